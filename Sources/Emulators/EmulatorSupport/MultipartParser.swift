import Foundation

/// An incremental `multipart/form-data` parser (RFC 7578) that never holds more than one part's headers and a
/// delimiter-sized tail in memory, so a 100 MiB upload streams from the socket to a file.
///
/// Feed it the body in whatever chunks arrive and handle the events it returns, in order.
public struct MultipartParser {
    public enum Event: Equatable {
        /// A part starts; header names are lower-cased.
        case partBegin(MultipartPartHeaders)
        /// Some bytes of the current part's body (a part may produce many of these).
        case partData([UInt8])
        /// The current part ended.
        case partEnd
    }

    public enum ParseError: Error, Equatable {
        case malformedHeaders
        case headersTooLarge
        case truncatedBody
    }

    private enum State { case preamble, headers, body, afterDelimiter, epilogue }

    /// `CRLF--boundary`: what ends a part's body. The preamble is parsed as if preceded by CRLF.
    private let delimiter: [UInt8]
    private var state: State = .preamble
    private var pending: [UInt8] = [13, 10]
    private let maxHeaderBytes = 16 * 1024

    public init(boundary: String) {
        self.delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// Extracts the boundary from a `Content-Type: multipart/form-data; boundary=...` header value.
    public static func boundary(fromContentType contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let kind = parts.first, kind.lowercased().hasPrefix("multipart/") else { return nil }
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    public var isFinished: Bool { state == .epilogue }

    public mutating func feed<C: Collection>(_ bytes: C) throws -> [Event] where C.Element == UInt8 {
        pending.append(contentsOf: bytes)
        var events: [Event] = []
        var cursor = 0
        loop: while true {
            switch state {
            case .preamble, .body:
                if let hit = find(delimiter, in: pending, from: cursor) {
                    if state == .body {
                        if hit > cursor { events.append(.partData(Array(pending[cursor..<hit]))) }
                        events.append(.partEnd)
                    }
                    cursor = hit + delimiter.count
                    state = .afterDelimiter
                } else {
                    // Keep a tail that could be the start of a delimiter split across chunks.
                    let safeEnd = max(cursor, pending.count - (delimiter.count - 1))
                    if state == .body, safeEnd > cursor { events.append(.partData(Array(pending[cursor..<safeEnd]))) }
                    cursor = safeEnd
                    break loop
                }
            case .afterDelimiter:
                guard pending.count - cursor >= 2 else { break loop }
                if pending[cursor] == UInt8(ascii: "-"), pending[cursor + 1] == UInt8(ascii: "-") {
                    state = .epilogue
                    cursor = pending.count
                    break loop
                }
                // Skip transport padding up to the CRLF that ends the delimiter line.
                guard let lineEnd = find([13, 10], in: pending, from: cursor) else {
                    if pending.count - cursor > 256 { throw ParseError.malformedHeaders }
                    break loop
                }
                cursor = lineEnd + 2
                state = .headers
            case .headers:
                guard let end = find([13, 10, 13, 10], in: pending, from: cursor) else {
                    if pending.count - cursor > maxHeaderBytes { throw ParseError.headersTooLarge }
                    // A part with no headers at all starts directly with the blank line.
                    if pending.count - cursor >= 2, pending[cursor] == 13, pending[cursor + 1] == 10 {
                        events.append(.partBegin(MultipartPartHeaders(fields: [:])))
                        cursor += 2
                        state = .body
                        continue loop
                    }
                    break loop
                }
                if end == cursor {
                    events.append(.partBegin(MultipartPartHeaders(fields: [:])))
                } else {
                    events.append(.partBegin(try MultipartPartHeaders(raw: Array(pending[cursor..<end]))))
                }
                cursor = end + 4
                state = .body
            case .epilogue:
                cursor = pending.count
                break loop
            }
        }
        pending.removeFirst(cursor)
        return events
    }

    /// Call after the last chunk; throws unless the closing delimiter was seen.
    public func finish() throws {
        guard state == .epilogue else { throw ParseError.truncatedBody }
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count - start >= needle.count else { return nil }
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            guard let candidate = haystack[i...last].firstIndex(of: first) else { return nil }
            var matched = true
            for k in 1..<needle.count where haystack[candidate + k] != needle[k] {
                matched = false
                break
            }
            if matched { return candidate }
            i = candidate + 1
        }
        return nil
    }
}

/// The headers of one multipart part, with the `Content-Disposition` parameters that form-data uses.
public struct MultipartPartHeaders: Equatable, Sendable {
    /// Lower-cased header name → value.
    public let fields: [String: String]

    init(fields: [String: String]) { self.fields = fields }

    init(raw: [UInt8]) throws {
        guard let text = String(validating: raw, as: UTF8.self) else { throw MultipartParser.ParseError.malformedHeaders }
        var fields: [String: String] = [:]
        for line in text.components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw MultipartParser.ParseError.malformedHeaders }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            fields[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        self.fields = fields
    }

    /// The form field name (`name=` of `Content-Disposition`).
    public var name: String? { dispositionParameters["name"] }

    /// The client's file name: `filename*=UTF-8''…` (RFC 5987) wins over `filename=`.
    public var filename: String? {
        let params = dispositionParameters
        if let extended = params["filename*"] {
            let pieces = extended.components(separatedBy: "'")
            if pieces.count == 3, let decoded = FormEncoding.percentDecode(pieces[2], plusIsSpace: false) { return decoded }
        }
        return params["filename"]
    }

    /// Parameters of `Content-Disposition`, honouring quoted strings (which may contain `;`) and `\"` escapes.
    var dispositionParameters: [String: String] {
        guard let value = fields["content-disposition"] else { return [:] }
        var params: [String: String] = [:]
        var scalars = Substring(value)
        // Skip the disposition type ("form-data").
        guard let firstSemicolon = scalars.firstIndex(of: ";") else { return [:] }
        scalars = scalars[scalars.index(after: firstSemicolon)...]
        while !scalars.isEmpty {
            scalars = scalars.drop(while: { $0 == " " || $0 == "\t" || $0 == ";" })
            guard let eq = scalars.firstIndex(of: "=") else { break }
            let key = scalars[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            scalars = scalars[scalars.index(after: eq)...].drop(while: { $0 == " " })
            var parsed = ""
            if scalars.first == "\"" {
                scalars = scalars.dropFirst()
                var escaped = false
                while let c = scalars.first {
                    scalars = scalars.dropFirst()
                    if escaped { parsed.append(c); escaped = false; continue }
                    if c == "\\" { escaped = true; continue }
                    if c == "\"" { break }
                    parsed.append(c)
                }
                if let semicolon = scalars.firstIndex(of: ";") { scalars = scalars[semicolon...] } else { scalars = "" }
            } else {
                let end = scalars.firstIndex(of: ";") ?? scalars.endIndex
                parsed = scalars[..<end].trimmingCharacters(in: .whitespaces)
                scalars = scalars[end...]
            }
            params[key] = parsed
        }
        return params
    }
}
