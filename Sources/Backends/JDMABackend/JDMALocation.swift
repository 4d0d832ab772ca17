import Foundation
import SciencefsCore

/// Where a path points in a JDMA source: `<workspace>/<batch directory>/<original tree…>`.
enum JDMALocation: Equatable {
    case root
    case workspace(String)
    /// `inside` is the relative path within the batch (empty = the batch directory itself).
    case batch(workspace: String, name: String, inside: [String])

    init(_ path: RemotePath) {
        let c = path.components
        switch c.count {
        case 0: self = .root
        case 1: self = .workspace(c[0])
        default: self = .batch(workspace: c[0], name: c[1], inside: Array(c.dropFirst(2)))
        }
    }
}

/// ISO-8601 dates as Django's `isoformat()` writes them (`2026-11-23T13:00:00.123456+00:00`): the fraction is
/// dropped before parsing because its length varies.
enum JDMADate {
    static func parse(_ text: String?) -> Date? {
        // Printable ASCII only: Foundation's date parsers trap on some non-ASCII strings (see RucioDate).
        guard var text, text.utf8.count <= 64, text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        if let dot = text.firstIndex(of: "."), let end = text[dot...].firstIndex(where: { !$0.isNumber && $0 != "." }) {
            text.removeSubrange(dot..<end)
        } else if let dot = text.firstIndex(of: ".") {
            text.removeSubrange(dot...)
        }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate]
        return formatter.date(from: text)
    }
}
