import Foundation

/// Interpretation of an HTTP `Range` request header against a file of known length. Only the first range of a
/// multi-range header is used. What happens to a range whose end reaches past the end of the file depends on the
/// server being imitated (`EndPastEOF`): Agave answers 416 (docs/protocols/agave.md §4.3), while ordinary web/WebDAV
/// servers truncate it to the file as RFC 9110 allows.
public enum HTTPRange: Equatable, Sendable {
    /// No usable `Range` header (absent, not `bytes=`, or syntactically broken): send the whole file with 200.
    case whole
    /// Send exactly these bytes with 206.
    case partial(ClosedRange<UInt64>)
    /// Answer 416 with `Content-Range: bytes */length`.
    case unsatisfiable

    /// Parses `header` for a file of `length` bytes.
    ///
    /// Accepted forms: `bytes=a-b`, `bytes=a-`, and the suffix form `bytes=-n` (the last `n` bytes; `n` larger
    /// than the file means the whole file, as in RFC 9110). `a` must be below `length`; `b` must be at least
    /// `a` and below `length`.
    /// What to do with `bytes=a-b` when `b` is at or past the end of the file.
    public enum EndPastEOF: Sendable {
        /// 416, as Agave does. The default, for compatibility with the first emulator.
        case unsatisfiable
        /// Serve `a` to the last byte (RFC 9110 §14.1.2), as nginx, Apache and WebDAV servers do.
        case clamp
    }

    public static func parse(_ header: String?, length: UInt64, endPastEOF: EndPastEOF = .unsatisfiable) -> HTTPRange {
        guard let header else { return .whole }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes=") else { return .whole }
        let specs = trimmed.dropFirst("bytes=".count)
        guard let first = specs.split(separator: ",", omittingEmptySubsequences: false).first else { return .whole }
        let spec = first.trimmingCharacters(in: .whitespaces)
        guard let dash = spec.firstIndex(of: "-") else { return .whole }
        let startText = spec[spec.startIndex..<dash]
        let endText = spec[spec.index(after: dash)...]

        if startText.isEmpty {
            // Suffix form: the last n bytes.
            guard let n = UInt64(endText), n > 0, length > 0 else { return .unsatisfiable }
            let count = min(n, length)
            return .partial((length - count)...(length - 1))
        }
        guard let start = UInt64(startText) else { return .whole }
        guard start < length else { return .unsatisfiable }
        if endText.isEmpty { return .partial(start...(length - 1)) }
        guard let end = UInt64(endText) else { return .whole }
        guard end >= start else { return .unsatisfiable }
        if end >= length {
            switch endPastEOF {
            case .unsatisfiable: return .unsatisfiable
            case .clamp: return .partial(start...(length - 1))
            }
        }
        return .partial(start...end)
    }
}

extension HTTPRange {
    /// What a file server sends for one request: the first byte and the byte count, the status (200 or 206) and, for
    /// a 206, its `Content-Range` value.
    package struct Served: Equatable, Sendable {
        package let first: UInt64
        package let count: UInt64
        package let status: Int
        package let contentRange: String?
    }

    /// `header` against a file of `length` bytes as a response plan; nil when the range cannot be satisfied (answer
    /// 416 with `Content-Range: bytes */length`).
    package static func served(_ header: String?, length: UInt64, endPastEOF: EndPastEOF = .unsatisfiable) -> Served? {
        switch parse(header, length: length, endPastEOF: endPastEOF) {
        case .whole:
            return Served(first: 0, count: length, status: 200, contentRange: nil)
        case .partial(let range):
            return Served(first: range.lowerBound, count: range.upperBound - range.lowerBound + 1, status: 206,
                          contentRange: "bytes \(range.lowerBound)-\(range.upperBound)/\(length)")
        case .unsatisfiable:
            return nil
        }
    }
}
