/// Percent-decoding for URL path segments and `application/x-www-form-urlencoded` text (queries and form bodies).
package enum FormEncoding {
    /// Decodes `%XX` escapes; with `plusIsSpace` a `+` becomes a space (form and query encoding, not paths).
    /// Returns nil for a broken escape or bytes that are not UTF-8, which callers answer with 400.
    package static func percentDecode<S: StringProtocol>(_ text: S, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let hi = iterator.next().flatMap(hexValue), let lo = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(hi << 4 | lo)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Parses `a=1&b=x%20y` into a dictionary; a repeated key keeps its last value, undecodable pairs are skipped.
    package static func decodeForm<S: StringProtocol>(_ text: S) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = percentDecode(parts[0], plusIsSpace: true) else { continue }
            let value = parts.count > 1 ? percentDecode(parts[1], plusIsSpace: true) : ""
            if let value { result[key] = value }
        }
        return result
    }

    /// Parses a query or form body keeping every value of a repeated key, in order (`lfn=a&lfn=b`).
    package static func decodeFormMulti<S: StringProtocol>(_ text: S) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = percentDecode(parts[0], plusIsSpace: true) else { continue }
            let value = parts.count > 1 ? percentDecode(parts[1], plusIsSpace: true) : ""
            if let value { result[key, default: []].append(value) }
        }
        return result
    }

    /// Percent-encodes one path segment: everything except RFC 3986 unreserved characters.
    package static func encodePathSegment(_ segment: String) -> String {
        var out = ""
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// Encodes a `/`-separated relative path segment by segment, keeping the slashes.
    package static func encodePath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true)
            .map { encodePathSegment(String($0)) }
            .joined(separator: "/")
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
