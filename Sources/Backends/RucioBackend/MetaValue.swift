import Foundation

/// Any JSON value, for DID metadata whose values may be strings, numbers, booleans, null or nested.
/// Rendered for an xattr as the plain text of a string, `True`/`False` as Rucio prints booleans, numbers as
/// written, and nested values as compact JSON.
indirect enum MetaValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([MetaValue])
    case object([String: MetaValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let v = try? c.decode(Bool.self) { self = .bool(v) }
        else if let v = try? c.decode(Int64.self) { self = .integer(v) }
        else if let v = try? c.decode(Double.self) { self = .number(v) }
        else if let v = try? c.decode(String.self) { self = .string(v) }
        else if let v = try? c.decode([MetaValue].self) { self = .array(v) }
        else { self = .object(try c.decode([String: MetaValue].self)) }
    }

    /// The xattr text; nil for null (those keys are skipped).
    var xattrText: String? {
        switch self {
        case .null: return nil
        case .bool(let v): return v ? "True" : "False"
        case .string(let v): return v
        default: return json
        }
    }

    private var json: String {
        switch self {
        case .null: return "null"
        case .bool(let v): return v ? "true" : "false"
        case .integer(let v): return String(v)
        case .number(let v): return v.rounded() == v && abs(v) < 1e15 ? String(Int64(v)) : String(v)
        case .string(let v):
            let data = (try? JSONEncoder().encode(v)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        case .array(let items): return "[" + items.map(\.json).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.keys.sorted().map { key in
                MetaValue.string(key).json + ":" + (fields[key]?.json ?? "null")
            }.joined(separator: ",") + "}"
        }
    }
}
