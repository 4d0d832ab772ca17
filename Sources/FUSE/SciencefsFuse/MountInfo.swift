import Foundation

/// One line of /proc/self/mountinfo: which filesystem is mounted where.
public struct MountInfoEntry: Equatable, Sendable {
    public init(device: String, mountpoint: String, filesystemType: String) {
        self.device = device
        self.mountpoint = mountpoint
        self.filesystemType = filesystemType
    }

    /// `major:minor` of the mounted filesystem.
    public let device: String
    public let mountpoint: String
    /// The type after the ` - ` separator, e.g. `fuse.sciencefs`.
    public let filesystemType: String
}

/// Reads /proc/self/mountinfo without touching any mount (a `stat` of a FUSE mountpoint would wait on its daemon).
public enum MountInfo {
    public static func entries() -> [MountInfoEntry] {
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return parse(table)
    }

    /// Lines are `id parent major:minor root mountpoint options [optional fields] - type source superoptions`.
    public static func parse(_ table: String) -> [MountInfoEntry] {
        table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count > 4, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { return nil }
            return MountInfoEntry(device: String(fields[2]), mountpoint: unescape(String(fields[4])),
                                  filesystemType: String(fields[dash + 1]))
        }
    }

    /// mountinfo escapes space, tab, newline and backslash as three octal digits; other bytes (UTF-8 names) as is.
    static func unescape(_ field: String) -> String {
        var bytes: [UInt8] = []
        let source = Array(field.utf8)
        var i = 0
        while i < source.count {
            if source[i] == UInt8(ascii: "\\"), i + 3 < source.count,
               let value = UInt8(String(decoding: source[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(source[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
