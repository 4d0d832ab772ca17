/// Turns a PFN into a URL libcurl can fetch.
///
/// WebDAV PFNs use `davs://` / `dav://`, which are HTTPS / HTTP on the wire. Rucio does not percent-encode
/// names when it builds PFNs, so bytes that may not appear raw in a URL (space, controls, non-ASCII,
/// `"<>\^`{|}`) are escaped here; everything else — `/`, `:`, `?`, existing `%XX` — is kept, since the PFN
/// already is a URL in every other respect.
public enum StorageURL {
    /// Schemes the backend can read and write with plain HTTP requests.
    public static let readableSchemes = ["https", "davs", "http", "dav"]

    public static func scheme(of pfn: String) -> String? {
        guard let end = pfn.range(of: "://") else { return nil }
        return pfn[..<end.lowerBound].lowercased()
    }

    /// The fetchable URL, or nil when the PFN's scheme is not one we speak.
    public static func httpURL(forPFN pfn: String) -> String? {
        guard let scheme = scheme(of: pfn), let end = pfn.range(of: "://") else { return nil }
        let wire: String
        switch scheme {
        case "https", "davs": wire = "https"
        case "http", "dav": wire = "http"
        default: return nil
        }
        return wire + "://" + escapeUnsafe(String(pfn[end.upperBound...]))
    }

    private static func escapeUnsafe(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            let unsafe = byte <= 0x20 || byte >= 0x7F || "\"<>\\^`{|}".utf8.contains(byte)
            if unsafe {
                let hex = Array("0123456789ABCDEF".utf8)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            } else {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }
}
