/// Makes text safe for one log line. Names and values in log lines often come from servers (a DID name, a file
/// name, an error body); a newline in one must not forge a second log line, and a control sequence must not reach a
/// terminal. Every log handler passes the message and each metadata value through `escaped`.
public enum LogText {
    /// Longest text kept in one value; longer text is cut and its length in bytes given.
    public static let maximumCharacters = 512

    /// Control characters (C0, DEL, C1), line and paragraph separators and bidirectional overrides become `\n`,
    /// `\r`, `\t`, `\0` or `\u{XX}`, as Swift writes them. Text past `maximumCharacters` is cut: `…[cut: N bytes]`.
    public static func escaped(_ text: String, limit: Int = maximumCharacters) -> String {
        var out = ""
        var count = 0
        var needsWork = false
        for scalar in text.unicodeScalars where mustEscape(scalar) {
            needsWork = true
            break
        }
        if !needsWork, text.unicodeScalars.count <= limit { return text }
        out.reserveCapacity(min(text.utf8.count, limit + 32))
        for scalar in text.unicodeScalars {
            if count >= limit {
                out += "…[cut: \(text.utf8.count) bytes]"
                return out
            }
            count += 1
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default:
                if mustEscape(scalar) {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    private static func mustEscape(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return v < 0x20 || (v >= 0x7F && v <= 0x9F) || v == 0x2028 || v == 0x2029
            || (v >= 0x202A && v <= 0x202E) || (v >= 0x2066 && v <= 0x2069)
    }
}
