import EmulatorSupport
import Foundation

/// `GET /dids/{scope}/dids/search`: which DIDs of a scope match `type` and the `filters` (a list of dicts that
/// are OR-ed; keys inside a dict are AND-ed; a key may end in `.gt .lt .gte .lte .ne`; string values may use
/// `*` as a wildcard). Keys: `name`, `length`, `bytes`, `type`, and any metadata key. `created_before`/`after`
/// are not supported by the emulator and match everything.
struct DIDSearch {
    let groups: [[(key: String, value: PythonLiteral)]]
    let types: Set<RucioDIDType>

    /// - Parameters:
    ///   - filters: the py-literal `filters` parameter, or nil for the legacy style (`legacy` = the other query
    ///     parameters, each one filter).
    static func make(type: String, filters: String?, legacy: [String: String]) throws -> DIDSearch {
        let types = try Self.types(for: type)
        guard let filters else {
            let group = legacy.map { (key: $0.key, value: PythonLiteral.string($0.value)) }
            return DIDSearch(groups: [group], types: types)
        }
        let parsed: PythonLiteral
        do { parsed = try PythonLiteral.parse(filters) } catch {
            throw RucioError(400, "DIDFilterSyntaxError", "Input filters are not valid: \(filters)")
        }
        let dicts: [PythonLiteral]
        switch parsed {
        case .list(let items): dicts = items
        case .dict: dicts = [parsed]
        default: throw RucioError(400, "DIDFilterSyntaxError", "Input filters are not valid: \(filters)")
        }
        var groups: [[(key: String, value: PythonLiteral)]] = []
        for item in dicts {
            guard case .dict(let members) = item else {
                throw RucioError(400, "DIDFilterSyntaxError", "Input filters are not valid: \(filters)")
            }
            groups.append(members.map { (key: $0.0, value: $0.1) })
        }
        return DIDSearch(groups: groups.isEmpty ? [[]] : groups, types: types)
    }

    static func types(for type: String) throws -> Set<RucioDIDType> {
        switch type.lowercased() {
        case "all": return [.container, .dataset, .file]
        case "collection": return [.container, .dataset]
        case "container": return [.container]
        case "dataset": return [.dataset]
        case "file": return [.file]
        default:
            throw RucioError(409, "UnsupportedOperation", "\(type) is not a valid type. Valid types are all, collection, dataset, container, file")
        }
    }

    func matches(_ did: DIDRecord) -> Bool {
        groups.contains { group in
            var groupTypes = types
            var ok = true
            for (key, value) in group {
                if key == "type" {
                    guard let t = value.textValue, let mapped = try? Self.types(for: t) else { return false }
                    groupTypes = mapped
                    continue
                }
                if !Self.matches(did, key: key, value: value) { ok = false; break }
            }
            return ok && groupTypes.contains(did.type)
        }
    }

    private static func matches(_ did: DIDRecord, key rawKey: String, value: PythonLiteral) -> Bool {
        var key = rawKey
        var op = "eq"
        for suffix in ["gte", "lte", "gt", "lt", "ne"] where key.hasSuffix("." + suffix) {
            op = suffix
            key = String(key.dropLast(suffix.count + 1))
            break
        }
        if key == "created_before" || key == "created_after" { return true }
        let actual: JSONValue?
        switch key {
        case "name": actual = .string(did.key.name)
        case "length": actual = did.length.map(JSONValue.int)
        case "bytes": actual = did.bytes.map(JSONValue.int)
        case "account": actual = .string(did.account)
        default: actual = did.meta[key]
        }
        guard let actual else { return op == "ne" }
        switch (actual, value) {
        case (.int(let a), .int(let b)): return compare(Double(a), Double(b), op)
        case (.int(let a), .double(let b)): return compare(Double(a), b, op)
        case (.double(let a), .int(let b)): return compare(a, Double(b), op)
        case (.double(let a), .double(let b)): return compare(a, b, op)
        case (.int(let a), .string(let b)):
            if let b = Double(b) { return compare(Double(a), b, op) }
            return false
        default:
            guard let wanted = value.textValue else { return false }
            let text: String
            switch actual {
            case .string(let s): text = s
            case .int(let n): text = String(n)
            case .double(let d): text = String(d)
            case .bool(let b): text = b ? "True" : "False"
            default: return false
            }
            switch op {
            case "eq": return wildcard(wanted, matches: text)
            case "ne": return !wildcard(wanted, matches: text)
            default: return compare(text, wanted, op)
            }
        }
    }

    private static func compare<T: Comparable>(_ a: T, _ b: T, _ op: String) -> Bool {
        switch op {
        case "gt": return a > b
        case "lt": return a < b
        case "gte": return a >= b
        case "lte": return a <= b
        case "ne": return a != b
        default: return a == b
        }
    }

    /// `*` matches any run of characters; everything else literally.
    static func wildcard(_ pattern: String, matches text: String) -> Bool {
        let parts = pattern.components(separatedBy: "*")
        if parts.count == 1 { return pattern == text }
        var rest = Substring(text)
        guard let first = parts.first, rest.hasPrefix(first) else { return false }
        rest = rest.dropFirst(first.count)
        for (i, part) in parts.enumerated().dropFirst() {
            if i == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
            guard !part.isEmpty else { continue }
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }
}
