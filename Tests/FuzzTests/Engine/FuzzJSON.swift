import AMIEBackend
import Foundation

/// A JSON document as the structure-aware mutator edits it. Unlike a real JSON model it can hold what a broken
/// server might send: number tokens that are not numbers (`NaN`, `1e999`, `01`), string bodies with invalid
/// UTF-8, raw control bytes or lone surrogate escapes, duplicate keys, and raw garbage tokens. Strings and keys
/// are kept as the bytes between the quotes, already escaped, so a mutation decides exactly what goes on the wire.
indirect enum FuzzJSON {
    case null
    case bool(Bool)
    /// The number token as written.
    case number(String)
    /// The bytes between the quotes.
    case string([UInt8])
    case array([FuzzJSON])
    /// Key bytes (between the quotes) and values, in wire order; keys may repeat.
    case object([(key: [UInt8], value: FuzzJSON)])
    /// Bytes written as they are (not JSON unless they happen to be).
    case raw([UInt8])

    /// The seed documents are written as JSON text and read with the product's own generic JSON model; object keys
    /// are sorted so the same seed always gives the same tree (dictionary order varies between processes).
    init(_ json: AMIEJSON) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .number(String(i))
        case .double(let d): self = .number(String(d))
        case .string(let s): self = .string(FuzzJSON.escaped(s))
        case .array(let items): self = .array(items.map(FuzzJSON.init))
        case .object(let members):
            self = .object(members.keys.sorted().map { (key: FuzzJSON.escaped($0), value: FuzzJSON(members[$0] ?? .null)) })
        }
    }

    /// Parses seed text; a seed that is not JSON is a bug in the corpus, so this traps on purpose.
    static func seed(_ text: String) -> FuzzJSON {
        do { return FuzzJSON(try AMIEJSON.parse(Array(text.utf8).asData)) } catch {
            preconditionFailure("fuzz corpus seed is not JSON: \(text.prefix(200))")
        }
    }

    /// JSON string-body escaping (quotes, backslashes, control characters).
    static func escaped(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array("\\\"".utf8)
            case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
            case 0..<0x20:
                let hex = String(byte, radix: 16)
                out += Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default: out.append(byte)
            }
        }
        return out
    }

    /// Compact rendering (no newlines, so a rendered document is one line of a JSON-lines stream).
    func render(into out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let text): out += Array(text.utf8)
        case .string(let body):
            out.append(UInt8(ascii: "\""))
            out += body
            out.append(UInt8(ascii: "\""))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.render(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\""))
                out += member.key
                out += Array("\":".utf8)
                member.value.render(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .raw(let bytes): out += bytes
        }
    }

    var rendered: [UInt8] {
        var out: [UInt8] = []
        render(into: &out)
        return out
    }

    /// Number of nodes in preorder (the mutator picks one uniformly).
    var nodeCount: Int {
        switch self {
        case .array(let items): return 1 + items.reduce(0) { $0 + $1.nodeCount }
        case .object(let members): return 1 + members.reduce(0) { $0 + $1.value.nodeCount }
        default: return 1
        }
    }

    /// The node at preorder `index`.
    func node(at index: Int) -> FuzzJSON {
        var remaining = index
        return find(&remaining) ?? self
    }

    private func find(_ remaining: inout Int) -> FuzzJSON? {
        if remaining == 0 { return self }
        remaining -= 1
        switch self {
        case .array(let items):
            for item in items { if let found = item.find(&remaining) { return found } }
        case .object(let members):
            for member in members { if let found = member.value.find(&remaining) { return found } }
        default: break
        }
        return nil
    }

    /// A copy with the node at preorder `index` replaced by `transform(node)`.
    func replacing(at index: Int, _ transform: (FuzzJSON) -> FuzzJSON) -> FuzzJSON {
        var remaining = index
        return replaced(&remaining, transform)
    }

    private func replaced(_ remaining: inout Int, _ transform: (FuzzJSON) -> FuzzJSON) -> FuzzJSON {
        if remaining == 0 {
            remaining = -1
            return transform(self)
        }
        guard remaining > 0 else { return self }
        remaining -= 1
        switch self {
        case .array(let items):
            return .array(items.map { $0.replaced(&remaining, transform) })
        case .object(let members):
            return .object(members.map { (key: $0.key, value: $0.value.replaced(&remaining, transform)) })
        default:
            return self
        }
    }
}

extension Array where Element == UInt8 {
    var asData: Data { Data(self) }
}
