import Foundation

/// Rucio's date format, used in JSON values and the token-expiry header: RFC 1123 with a literal `UTC`
/// (`Tue, 21 Jul 2026 10:00:00 UTC`).
enum RucioDate {
    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }
}
