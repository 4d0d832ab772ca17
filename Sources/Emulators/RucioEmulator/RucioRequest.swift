import EmulatorSupport
import Foundation
import Hummingbird

/// The parts of an API request the endpoints need, decoded once.
struct RucioRequest {
    let request: Request
    /// Raw (still percent-encoded) path segments.
    let rawSegments: [Substring]
    let query: [String: [String]]
    /// The authenticated account (nil only on unauthenticated endpoints).
    var account: String?

    init(_ request: Request) {
        self.request = request
        rawSegments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
        query = FormEncoding.decodeFormMulti(request.uri.query ?? "")
    }

    var method: String { request.method.rawValue }

    func queryValue(_ key: String) -> String? { query[key]?.last }

    /// Flask's `param_get_bool`: true/false/1/0 in any case; anything else is a 400.
    func queryBool(_ key: String, default value: Bool) throws -> Bool {
        guard let text = queryValue(key) else { return value }
        return try Self.bool(text, key: key)
    }

    static func bool(_ text: String, key: String) throws -> Bool {
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw RucioError.badRequest("'\(text)' is not a valid boolean for '\(key)'")
        }
    }

    /// Splits `scope_name` segments as the server does (`/([^/]+)/(.*)` on the decoded text): the first
    /// segment is the scope, the rest (encoded `%2F` or raw `/`) is the name.
    static func scopeName(_ segments: ArraySlice<Substring>) throws -> DIDKey {
        var decoded: [String] = []
        for segment in segments {
            guard let text = FormEncoding.percentDecode(segment, plusIsSpace: false) else {
                throw RucioError.badRequest("Invalid percent-encoding in '\(segment)'")
            }
            decoded.append(text)
        }
        let text = decoded.joined(separator: "/")
        guard let slash = text.firstIndex(of: "/"), slash != text.startIndex else {
            throw RucioError.badRequest("Could not parse '/\(text)' (scope_name='\(text)') with pattern '/([^/]+)/(.*)' into scope and name.")
        }
        return DIDKey(scope: String(text[..<slash]), name: String(text[text.index(after: slash)...]))
    }

    static func decode(_ segment: Substring) throws -> String {
        guard let text = FormEncoding.percentDecode(segment, plusIsSpace: false) else {
            throw RucioError.badRequest("Invalid percent-encoding in '\(segment)'")
        }
        return text
    }

    /// The body as a JSON object (no `Content-Type` is required, as the Python client sends none). An empty
    /// body is `[:]` when `optional`.
    func jsonObject(optional: Bool = false) async throws -> [String: Any] {
        let buffer = try await request.body.collect(upTo: 256 << 20)
        if buffer.readableBytes == 0 {
            if optional { return [:] }
            throw RucioError.badRequest("cannot get parameters from empty body")
        }
        let data = Data(buffer.readableBytesView)
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw RucioError(400, "ValueError", "cannot decode json parameter dictionary")
        }
        guard let dictionary = object as? [String: Any] else {
            throw RucioError(400, "TypeError", "body must be a json dictionary")
        }
        return dictionary
    }
}

/// Conversions from `JSONSerialization` output.
enum JSONInput {
    static func string(_ value: Any?) -> String? { value as? String }

    static func int64(_ value: Any?) -> Int64? {
        if let n = value as? NSNumber, !isBool(n) { return n.int64Value }
        if let s = value as? String { return Int64(s) }
        return nil
    }

    static func bool(_ value: Any?, default fallback: Bool) -> Bool {
        if let n = value as? NSNumber, isBool(n) { return n.boolValue }
        if let s = value as? String { return (try? RucioRequest.bool(s, key: "")) ?? fallback }
        return fallback
    }

    /// A metadata value as JSON (strings, integers, doubles, booleans, null).
    static func jsonValue(_ value: Any) -> JSONValue {
        switch value {
        case let s as String: return .string(s)
        case let n as NSNumber:
            if isBool(n) { return .bool(n.boolValue) }
            let type = String(cString: n.objCType)
            if type == "d" || type == "f" { return .double(n.doubleValue) }
            return .int(n.int64Value)
        case is NSNull: return .null
        default: return .string("\(value)")
        }
    }

    /// JSONSerialization gives booleans as NSNumbers of ObjC type `c`.
    static func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    /// `[{"scope": …, "name": …}, …]`.
    static func didKeys(_ value: Any?) throws -> [DIDKey] {
        guard let list = value as? [Any] else { throw RucioError.badRequest("'dids' must be a list") }
        return try list.map { item in
            guard let dict = item as? [String: Any], let scope = dict["scope"] as? String, let name = dict["name"] as? String else {
                throw RucioError.badRequest("each DID needs 'scope' and 'name'")
            }
            return DIDKey(scope: scope, name: name)
        }
    }
}
