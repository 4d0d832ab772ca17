import EmulatorSupport
import Foundation

/// Reading `JSONSerialization` output the way the Flask server reads Python values: booleans are NSNumbers of
/// ObjC type `c`, `null` is `NSNull` (treated like an absent key).
enum JSONInput {
    static func parseObject(_ data: Data) throws -> [String: Any] {
        guard !data.isEmpty else { throw FTS3Error.badRequest("Empty request body") }
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw FTS3Error.badRequest("Badly formatted JSON request")
        }
        guard let dictionary = object as? [String: Any] else {
            throw FTS3Error.badRequest("Expecting a JSON object")
        }
        return dictionary
    }

    static func isNull(_ value: Any?) -> Bool { value == nil || value is NSNull }

    static func isBool(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    /// Python truthiness of a flag (`safe_flag`): true/false, numbers, or the strings "true"/"1"/"y".
    static func flag(_ value: Any?) -> Bool {
        if isNull(value) { return false }
        if let number = value as? NSNumber { return number.boolValue }
        if let text = value as? String { return ["true", "1", "y", "yes"].contains(text.lowercased()) }
        return false
    }

    /// An integer given as a JSON number or a decimal string; nil when absent/null; a 400 when not a number.
    static func int(_ value: Any?, name: String) throws -> Int64? {
        if isNull(value) { return nil }
        if let number = value as? NSNumber, !isBool(number) {
            let double = number.doubleValue
            guard double.isFinite, double.rounded() == double else { throw FTS3Error.badRequest("Invalid value for '\(name)'") }
            return number.int64Value
        }
        if let number = value as? NSNumber { return number.boolValue ? 1 : 0 }
        if let text = value as? String, let parsed = Int64(text.trimmingCharacters(in: .whitespaces)) { return parsed }
        throw FTS3Error.badRequest("Invalid value for '\(name)': \(value ?? "")")
    }

    static func string(_ value: Any?) -> String? {
        if isNull(value) { return nil }
        return value as? String
    }

    /// Any JSON value, for metadata the server stores and returns as given.
    static func jsonValue(_ value: Any?) -> JSONValue {
        guard let value, !(value is NSNull) else { return .null }
        switch value {
        case let text as String: return .string(text)
        case let number as NSNumber:
            if isBool(number) { return .bool(number.boolValue) }
            let type = String(cString: number.objCType)
            if type == "d" || type == "f" { return .double(number.doubleValue) }
            return .int(number.int64Value)
        case let list as [Any]: return .array(list.map { jsonValue($0) })
        case let dictionary as [String: Any]:
            return .object(dictionary.keys.sorted().map { ($0, jsonValue(dictionary[$0])) })
        default: return .string("\(value)")
        }
    }
}
