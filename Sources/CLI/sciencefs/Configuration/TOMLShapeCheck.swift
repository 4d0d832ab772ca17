import Foundation

/// A look at a config file's shape before TOMLKit parses it. TOMLKit's parser (toml++) stops the whole process
/// on some malformed keys — a table header or dotted key part that starts with a character a key cannot start
/// with, such as `[+` (an assertion) — and overflows the stack on very deeply nested headers or values (both
/// found by fuzzing). This check refuses those shapes with a line number, so a bad file is an error message,
/// never a crash. Everything else is left to TOMLKit.
enum TOMLShapeCheck {
    /// Deeper than this (dotted header parts, nested arrays/inline tables) is refused; real configs use 3.
    static let maxDepth = 64

    struct Problem: Error, CustomStringConvertible {
        var line: Int
        var why: String
        var description: String { "line \(line): \(why)" }
    }

    static func check(_ text: String) throws {
        var scanner = Scanner(bytes: Array(text.utf8))
        try scanner.run()
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        /// What the next meaningful byte must be.
        enum Expecting { case key, equals, value, separator, lineEnd }
        var expecting = Expecting.key
        /// Open arrays (`[`) and inline tables (`{`) of the current value, innermost last.
        var open: [UInt8] = []
        /// A `]` may close the array here (right after `[`, or after a trailing comma).
        var arrayMayClose = false
        /// A `}` may close the inline table here (right after `{`).
        var tableMayClose = false

        init(bytes: [UInt8]) {
            self.bytes = bytes
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 } // a UTF-8 byte order mark
        }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        func problem(_ why: String) -> Problem { Problem(line: line, why: why) }

        mutating func run() throws {
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\n"):
                    if open.isEmpty {
                        guard expecting == .key || expecting == .lineEnd || expecting == .separator else {
                            throw problem(expecting == .value ? "a key has no value" : "a key has no = and value")
                        }
                        expecting = .key
                    } else if open.last == UInt8(ascii: "{") {
                        throw problem("an inline table { } must be on one line")
                    }
                    line += 1
                    index += 1
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    index += 1
                case UInt8(ascii: "#"):
                    guard open.isEmpty ? expecting != .value && expecting != .equals : open.last == UInt8(ascii: "[") else {
                        throw problem("a comment where a value belongs")
                    }
                    while let c = current, c != UInt8(ascii: "\n") { index += 1 }
                case UInt8(ascii: "["):
                    if expecting == .key && open.isEmpty {
                        try header()
                        expecting = .lineEnd
                    } else {
                        guard expecting == .value else { throw problem("unexpected [") }
                        try push(byte)
                        expecting = .value
                        arrayMayClose = true
                    }
                case UInt8(ascii: "{"):
                    guard expecting == .value else { throw problem("unexpected {") }
                    try push(byte)
                    expecting = .key
                    tableMayClose = true
                case UInt8(ascii: "]"):
                    guard open.last == UInt8(ascii: "["), expecting == .separator || (expecting == .value && arrayMayClose) else {
                        throw problem("unexpected ]")
                    }
                    try closeValue()
                case UInt8(ascii: "}"):
                    guard open.last == UInt8(ascii: "{"), expecting == .separator || (expecting == .key && tableMayClose) else {
                        throw problem("unexpected }")
                    }
                    try closeValue()
                case UInt8(ascii: ","):
                    guard let innermost = open.last, expecting == .separator else { throw problem("unexpected ,") }
                    index += 1
                    if innermost == UInt8(ascii: "{") {
                        expecting = .key
                        tableMayClose = false
                    } else {
                        expecting = .value
                        arrayMayClose = true // a trailing comma is allowed in arrays
                    }
                case UInt8(ascii: "="):
                    guard expecting == .equals else { throw problem("unexpected =") }
                    index += 1
                    expecting = .value
                default:
                    switch expecting {
                    case .key:
                        guard isBareKeyByte(byte) || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") else {
                            throw problem("expected a key, a [table] or a comment, found \(describe(byte))")
                        }
                        try dottedKey(context: "key")
                        expecting = .equals
                    case .value:
                        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { try string() } else { try bareValue() }
                        arrayMayClose = false
                        expecting = open.isEmpty ? .lineEnd : .separator
                    case .equals, .separator, .lineEnd:
                        throw problem("unexpected \(describe(byte))")
                    }
                }
            }
            guard open.isEmpty, expecting != .value, expecting != .equals else {
                throw problem("the file ends inside a key or value")
            }
        }

        mutating func push(_ bracket: UInt8) throws {
            open.append(bracket)
            guard open.count <= TOMLShapeCheck.maxDepth else {
                throw problem("values nested deeper than \(TOMLShapeCheck.maxDepth) levels")
            }
            index += 1
        }

        /// After `]` or `}`: the array or table is a finished value of its parent.
        mutating func closeValue() throws {
            open.removeLast()
            index += 1
            arrayMayClose = false
            tableMayClose = false
            expecting = open.isEmpty ? .lineEnd : .separator
        }

        /// `[a.b]` or `[[a.b]]`: every dotted part must be a bare or quoted key.
        mutating func header() throws {
            index += 1
            let isArray = current == UInt8(ascii: "[")
            if isArray { index += 1 }
            try dottedKey(context: "table header")
            skipBlanks()
            guard current == UInt8(ascii: "]") else { throw Problem(line: line, why: "a table header must end with ]") }
            index += 1
            if isArray {
                guard current == UInt8(ascii: "]") else { throw Problem(line: line, why: "an array-of-tables header must end with ]]") }
                index += 1
            }
        }

        mutating func dottedKey(context: String) throws {
            var parts = 0
            while true {
                skipBlanks()
                guard let byte = current else { throw Problem(line: line, why: "the file ends inside a \(context)") }
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    try quotedKeyPart(quote: byte)
                } else if isBareKeyByte(byte) {
                    while let c = current, isBareKeyByte(c) { index += 1 }
                } else {
                    throw Problem(line: line, why: "a \(context) part cannot start with \(describe(byte))")
                }
                parts += 1
                guard parts <= TOMLShapeCheck.maxDepth else {
                    throw Problem(line: line, why: "a \(context) with more than \(TOMLShapeCheck.maxDepth) dotted parts")
                }
                skipBlanks()
                guard current == UInt8(ascii: ".") else { return }
                index += 1
            }
        }

        /// A quoted key part: one line, `\` escapes only in `"…"`.
        mutating func quotedKeyPart(quote: UInt8) throws {
            index += 1
            while let c = current {
                if c == UInt8(ascii: "\n") { break }
                index += 1
                if c == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") { index += 1; continue }
                if c == quote { return }
            }
            throw Problem(line: line, why: "a quoted key is not closed on its line")
        }

        /// A string value (one-line or `"""` / `'''` multi-line); only skipped over, lines counted.
        mutating func string() throws {
            let quote = bytes[index]
            let triple = index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote
            index += triple ? 3 : 1
            while let c = current {
                if c == UInt8(ascii: "\n") {
                    guard triple else { return } // TOMLKit reports the unclosed string itself
                    line += 1
                }
                if c == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") { index += 2; continue }
                if c == quote {
                    if !triple { index += 1; return }
                    if index + 2 < bytes.count, bytes[index + 1] == quote, bytes[index + 2] == quote {
                        index += 3
                        while current == quote { index += 1 } // up to two more quotes belong to the string
                        return
                    }
                }
                index += 1
            }
        }

        /// An unquoted value (number, boolean, date/time) must be one TOML allows: toml++ asserts on some near
        /// misses (a date followed by a stray number) instead of reporting them.
        mutating func bareValue() throws {
            var token = readBareToken()
            if BareValue.isLocalDate(token), current == UInt8(ascii: " "), index + 1 < bytes.count,
               bytes[index + 1] >= UInt8(ascii: "0"), bytes[index + 1] <= UInt8(ascii: "9") {
                index += 1
                token += " " + readBareToken() // `1979-05-27 07:32:00`: the space may separate date and time
            }
            guard BareValue.isValid(token) else {
                throw Problem(line: line, why: "\"\(token.prefix(40))\" is not a TOML value (quote strings)")
            }
        }

        mutating func readBareToken() -> String {
            let start = index
            while let c = current, !BareValue.terminators.contains(c) { index += 1 }
            if index == start { index += 1 } // a lone stray byte: let the caller judge it
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func skipBlanks() {
            while let c = current, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { index += 1 }
        }

        func isBareKeyByte(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }

        func describe(_ byte: UInt8) -> String {
            byte >= 0x21 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : String(format: "byte 0x%02X", byte)
        }
    }
}

/// The unquoted scalars TOML 1.0 has, written out as patterns.
private enum BareValue {
    static let terminators: Set<UInt8> = Set(" \t\r\n,]}#=[{\"'".utf8)

    private static let patterns: [NSRegularExpression] = [
        "^(true|false)$",
        "^[+-]?(0|[1-9](_?[0-9])*)$",
        "^0x[0-9A-Fa-f](_?[0-9A-Fa-f])*$", "^0o[0-7](_?[0-7])*$", "^0b[01](_?[01])*$",
        "^[+-]?(0|[1-9](_?[0-9])*)(\\.[0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?$",
        "^[+-]?(inf|nan)$",
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        "^[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?$",
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?$",
    ].map { try! NSRegularExpression(pattern: $0) }

    static func isLocalDate(_ token: String) -> Bool { matches(patterns[7], token) }

    static func isValid(_ token: String) -> Bool {
        token.utf8.count <= 64 && patterns.contains { matches($0, token) }
    }

    private static func matches(_ pattern: NSRegularExpression, _ token: String) -> Bool {
        pattern.firstMatch(in: token, range: NSRange(token.startIndex..., in: token)) != nil
    }
}
