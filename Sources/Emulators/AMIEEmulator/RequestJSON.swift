import EmulatorSupport
import Foundation

/// Parses request bodies into `JSONValue` with `JSONDecoder`, which keeps `true` and `1` apart (JSONSerialization
/// on Linux hands both back as numbers). Object keys are kept sorted so stored packets render stably.
struct RequestJSON: Decodable {
    let value: JSONValue

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { value = .null }
        else if let b = try? c.decode(Bool.self) { value = .bool(b) }
        else if let i = try? c.decode(Int64.self) { value = .int(i) }
        else if let d = try? c.decode(Double.self) { value = .double(d) }
        else if let s = try? c.decode(String.self) { value = .string(s) }
        else if let a = try? c.decode([RequestJSON].self) { value = .array(a.map(\.value)) }
        else if let o = try? c.decode([String: RequestJSON].self) {
            value = .object(o.keys.sorted().map { ($0, o[$0]?.value ?? .null) })
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not JSON")
        }
    }

    static func parse(_ data: Data) -> JSONValue? {
        (try? JSONDecoder().decode(RequestJSON.self, from: data))?.value
    }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    var objectMembers: [(String, JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .string(let s): return Int64(s)
        default: return nil
        }
    }
}
