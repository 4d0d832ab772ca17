import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What an emulator needs to know about a file on disk, read with one `stat(2)`.
package struct FileStat: Sendable {
    package let isDirectory: Bool
    package let size: UInt64
    /// POSIX permission bits (`st_mode & 0o7777`).
    package let mode: UInt32
    package let modified: Date

    /// `nil` when nothing is at `path` (or it cannot be stat'ed).
    package init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        isDirectory = (st.st_mode & S_IFMT) == S_IFDIR
        size = UInt64(max(0, st.st_size))
        mode = UInt32(st.st_mode) & 0o7777
        modified = Date(timeIntervalSince1970: TimeInterval(st.st_mtim.tv_sec) + TimeInterval(st.st_mtim.tv_nsec) / 1e9)
    }
}

/// Timestamp formats used on the wire.
package enum WireTime {
    /// `2018-07-10T12:28:01.000-05:00`: ISO-8601 with milliseconds and a numeric offset, in `zone` (Agave's
    /// servers report their local zone, which is why clients must honour the offset).
    package static func iso8601(_ date: Date, zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let millisTotal = Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) + Int64(offset) * 1000
        var seconds = time_t(floorDiv(millisTotal, 1000))
        let millis = Int(millisTotal - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let sign = offset < 0 ? "-" : "+"
        let absOffset = abs(offset)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03d",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
            + sign + String(format: "%02d:%02d", absOffset / 3600, (absOffset % 3600) / 60)
    }

    /// RFC 9110 IMF-fixdate for `Last-Modified`, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    package static func httpDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return days[Int(parts.tm_wday) % 7] + ", " + String(format: "%02d ", Int(parts.tm_mday))
            + months[Int(parts.tm_mon) % 12]
            + String(format: " %04d %02d:%02d:%02d GMT", Int(parts.tm_year) + 1900,
                     Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}

/// A small extension → MIME table; Agave and Tapis guess types the same way (by name, not content).
package enum MimeType {
    package static let directory = "text/directory"

    package static func guess(forName name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "application/octet-stream" }
        switch name[name.index(after: dot)...].lowercased() {
        case "txt", "log", "md", "out", "err": return "text/plain"
        case "csv": return "text/csv"
        case "json": return "application/json"
        case "xml": return "application/xml"
        case "html", "htm": return "text/html"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "pdf": return "application/pdf"
        case "gz", "tgz": return "application/gzip"
        case "tar": return "application/x-tar"
        case "zip": return "application/zip"
        case "nc": return "application/x-netcdf"
        case "h5", "hdf5": return "application/x-hdf5"
        case "sh": return "application/x-sh"
        case "py": return "text/x-python"
        default: return "application/octet-stream"
        }
    }
}
