import Foundation
import SciencefsStore

/// One row of the listing: id, state, size of the kept bytes, when, full path in the mount, and the last error.
struct KeptUploadLine {
    let text: String

    init(_ record: UploadRecord, mountpoint: String) {
        var info = stat()
        let size = stat(record.stagingFile, &info) == 0 ? "\(info.st_size)" : "missing"
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let when = formatter.string(from: Date(timeIntervalSince1970: record.updatedAt))
        var text = Self.columns(String(record.id), record.state.rawValue, size, when, Self.path(record, mountpoint: mountpoint))
        if let error = record.error { text += "\n      error: \(error)" }
        self.text = text
    }

    static let header = columns("ID", "STATE", "BYTES", "WHEN (UTC)", "PATH")

    private static func columns(_ id: String, _ state: String, _ bytes: String, _ when: String, _ path: String) -> String {
        func left(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        let right = String(repeating: " ", count: max(0, 8 - bytes.count)) + bytes
        return "  \(left(id, 4)) \(left(state, 9)) \(right)  \(left(when, 19))  \(path)"
    }

    static func path(_ record: UploadRecord, mountpoint: String) -> String {
        mountpoint + "/" + record.source + record.path
    }
}
