/// Percent-encoding for the pieces of a URL, done by hand so the allowed set is explicit: only RFC 3986
/// unreserved characters pass unescaped (so `%`, `#`, `?`, `+`, space and non-ASCII are always escaped).
public enum PercentEncoding {
    /// Encodes one path segment (a `/` inside it is escaped too). A segment that is exactly `.` or `..` is sent
    /// as `%2E`/`%2E%2E`: left as it is, a URL resolver would climb out of the directory (a Rucio DID may be
    /// named `..`).
    public static func pathSegment(_ segment: String) -> String {
        switch segment {
        case ".": return "%2E"
        case "..": return "%2E%2E"
        default: return encode(segment)
        }
    }

    /// Encodes path components and joins them with `/` (no leading slash).
    public static func path(_ components: [String]) -> String {
        components.map(pathSegment).joined(separator: "/")
    }

    /// Encodes a query or form key/value (`application/x-www-form-urlencoded`, spaces as `%20`).
    public static func formComponent(_ text: String) -> String { encode(text) }

    private static func encode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + hexDigit(byte >> 4) + hexDigit(byte & 0x0F)
            }
        }
        return out
    }

    private static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func hexDigit(_ v: UInt8) -> String {
        String(UnicodeScalar(v < 10 ? v + 48 : v + 55))
    }
}
