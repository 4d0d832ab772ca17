import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// FTS3's timestamp format in JSON: `%Y-%m-%dT%H:%M:%S` in UTC without a zone suffix (docs/protocols/fts3.md §1, §5.9).
enum FTS3Date {
    static func format(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    static func json(_ date: Date?) -> JSONValue {
        date.map { .string(format($0)) } ?? .null
    }
}
