/// One line of a reply's head as libcurl hands it over (with its line end), split on the bytes: a status line or a
/// `name: value` field. Foundation's string trimming on every header line of every reply cost more of the daemon's
/// CPU than anything else on a ranged read (29 % under random 4 KiB reads), so this works on the bytes and decodes
/// only the name and the value.
enum HeaderLine: Equatable {
    /// `HTTP/x y reason`: the status code (0 when it does not parse).
    case status(Int)
    case field(name: String, value: String)
    /// The blank line that ends a head, or anything else.
    case other

    init(_ bytes: UnsafeRawBufferPointer) {
        let line = Self.trimmed(bytes, newlinesToo: true)
        if line.starts(with: "HTTP/".utf8) {
            // The code is the second space-separated word.
            guard let space = line.firstIndex(of: UInt8(ascii: " ")) else {
                self = .status(0)
                return
            }
            let rest = line[(space + 1)...]
            let code = rest.prefix { $0 != UInt8(ascii: " ") }
            self = .status(Int(String(decoding: code, as: UTF8.self)) ?? 0)
        } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            let name = Self.trimmed(UnsafeRawBufferPointer(rebasing: line[..<colon]), newlinesToo: false)
            let value = Self.trimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...]), newlinesToo: true)
            self = .field(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
        } else {
            self = .other
        }
    }

    /// `bytes` without leading and trailing spaces and tabs (and CR, LF when `newlinesToo`).
    private static func trimmed(_ bytes: UnsafeRawBufferPointer, newlinesToo: Bool) -> UnsafeRawBufferPointer.SubSequence {
        func isBlank(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
                || (newlinesToo && (byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")))
        }
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        return bytes[start..<end]
    }
}
