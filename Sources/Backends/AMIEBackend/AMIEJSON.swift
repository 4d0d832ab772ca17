import Foundation

/// A JSON document as AMIE sends it. Packet bodies carry arbitrary keys (strings, lists, lists of objects, and
/// keys no packet class knows), so packets are kept as JSON rather than as fixed structs: nothing is lost when a
/// packet is shown as a file or sent back.
public enum AMIEJSON: Sendable, Equatable, Codable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case null
    case array([AMIEJSON])
    case object([String: AMIEJSON])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let b = try? container.decode(Bool.self) { self = .bool(b); return }
        if let i = try? container.decode(Int64.self) { self = .int(i); return }
        if let d = try? container.decode(Double.self) { self = .double(d); return }
        if let s = try? container.decode(String.self) { self = .string(s); return }
        if let a = try? container.decode([AMIEJSON].self) { self = .array(a); return }
        if let o = try? container.decode([String: AMIEJSON].self) { self = .object(o); return }
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let s): try container.encode(s)
        case .int(let i): try container.encode(i)
        case .double(let d): try container.encode(d)
        case .bool(let b): try container.encode(b)
        case .null: try container.encodeNil()
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }

    /// Parses UTF-8 JSON text.
    public static func parse(_ data: Data) throws -> AMIEJSON {
        try JSONDecoder().decode(AMIEJSON.self, from: data)
    }

    /// Compact JSON with sorted keys (request bodies).
    public func compactData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("null".utf8)
    }

    // MARK: Access

    public subscript(key: String) -> AMIEJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// An integer, also from a string of digits (ids arrive either way) or an integral double.
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .string(let s): return Int64(s)
        case .double(let d) where d.rounded() == d && abs(d) < 9e15: return Int64(d)
        default: return nil
        }
    }

    public var objectValue: [String: AMIEJSON]? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var arrayValue: [AMIEJSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// Text for an xattr value: strings as they are, anything else as compact JSON.
    public var displayText: String {
        if case .string(let s) = self { return s }
        return String(decoding: compactData(), as: UTF8.self)
    }
}
