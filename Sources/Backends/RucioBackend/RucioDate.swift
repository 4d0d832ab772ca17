import Foundation

/// Rucio's date format: RFC 1123 with a literal zone name, e.g. `Tue, 21 Jul 2026 10:00:00 UTC`
/// (JSON dates and `X-Rucio-Auth-Token-Expires`). The zone is UTC/GMT in practice; it is ignored.
enum RucioDate {
    static func parse(_ text: String) -> Date? {
        // Only printable ASCII of a sane length reaches DateFormatter: Foundation traps ("Incorrect range") on
        // some strings with combining characters (found by fuzzing).
        guard text.utf8.count <= 40, text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        var parts = text.split(separator: " ").map(String.init)
        guard parts.count >= 5 else { return nil }
        if parts.count == 6 { parts.removeLast() } // the zone name
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss"
        return formatter.date(from: parts.joined(separator: " "))
    }
}
