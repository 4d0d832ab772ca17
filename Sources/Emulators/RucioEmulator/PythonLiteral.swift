/// A parser for the Python literals the Rucio client puts in `filters=` (it sends `str()` of a list of dicts and
/// the server runs `ast.literal_eval`): lists, tuples, dicts, quoted strings, ints, floats, True/False/None.
enum PythonLiteral: Equatable, Sendable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case none
    case list([PythonLiteral])
    case dict([(String, PythonLiteral)])

    static func == (lhs: PythonLiteral, rhs: PythonLiteral) -> Bool { "\(lhs)" == "\(rhs)" }

    struct SyntaxError: Error { let message: String }

    static func parse(_ text: String) throws -> PythonLiteral {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        let value = try parser.value()
        parser.skipSpace()
        guard parser.atEnd else { throw SyntaxError(message: "trailing characters") }
        return value
    }

    /// The value as text for comparisons with string metadata.
    var textValue: String? {
        switch self {
        case .string(let s): return s
        case .int(let n): return String(n)
        case .double(let d): return String(d)
        case .bool(let b): return b ? "True" : "False"
        default: return nil
        }
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        var atEnd: Bool { index >= scalars.count }

        mutating func skipSpace() {
            while !atEnd, scalars[index].properties.isWhitespace { index += 1 }
        }

        mutating func expect(_ c: Unicode.Scalar) throws {
            skipSpace()
            guard !atEnd, scalars[index] == c else { throw SyntaxError(message: "expected '\(c)'") }
            index += 1
        }

        mutating func value() throws -> PythonLiteral {
            skipSpace()
            guard !atEnd else { throw SyntaxError(message: "unexpected end") }
            switch scalars[index] {
            case "[": return .list(try sequence(close: "]"))
            case "(": return .list(try sequence(close: ")"))
            case "{": return try dict()
            case "'", "\"": return .string(try string())
            default: return try atom()
            }
        }

        mutating func sequence(close: Unicode.Scalar) throws -> [PythonLiteral] {
            index += 1
            var items: [PythonLiteral] = []
            while true {
                skipSpace()
                if !atEnd, scalars[index] == close { index += 1; return items }
                items.append(try value())
                skipSpace()
                if !atEnd, scalars[index] == "," { index += 1; continue }
                try expect(close)
                return items
            }
        }

        mutating func dict() throws -> PythonLiteral {
            index += 1
            var members: [(String, PythonLiteral)] = []
            while true {
                skipSpace()
                if !atEnd, scalars[index] == "}" { index += 1; return .dict(members) }
                guard case .string(let key) = try value() else { throw SyntaxError(message: "dict keys must be strings") }
                try expect(":")
                members.append((key, try value()))
                skipSpace()
                if !atEnd, scalars[index] == "," { index += 1; continue }
                try expect("}")
                return .dict(members)
            }
        }

        mutating func string() throws -> String {
            let quote = scalars[index]
            index += 1
            var out = String.UnicodeScalarView()
            while !atEnd {
                let c = scalars[index]
                index += 1
                if c == quote { return String(out) }
                if c == "\\", !atEnd {
                    let e = scalars[index]
                    index += 1
                    switch e {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    case "0": out.append("\u{0}")
                    default: out.append(e)
                    }
                } else {
                    out.append(c)
                }
            }
            throw SyntaxError(message: "unterminated string")
        }

        mutating func atom() throws -> PythonLiteral {
            let start = index
            while !atEnd, !",:]})".unicodeScalars.contains(scalars[index]), !scalars[index].properties.isWhitespace {
                index += 1
            }
            let word = String(String.UnicodeScalarView(scalars[start..<index]))
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default:
                if let n = Int64(word) { return .int(n) }
                if let d = Double(word) { return .double(d) }
                throw SyntaxError(message: "unexpected '\(word)'")
            }
        }
    }
}
