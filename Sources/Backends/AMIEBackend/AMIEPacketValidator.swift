import Foundation

/// Why a packet may not be sent. `description` is the text users see in the log and in `EINVAL`'s reason.
public enum AMIEValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAJSONObject(String)
    case unknownType(String?)
    case missingKeys([String])
    case invalidValue(key: String, why: String)

    public var description: String {
        switch self {
        case .notAJSONObject(let why): return "not a JSON packet object: \(why)"
        case .unknownType(let type?): return "unknown packet type \"\(type)\""
        case .unknownType(nil): return "the packet has no \"type\""
        case .missingKeys(let keys): return "missing keys: " + keys.joined(separator: ", ")
        case .invalidValue(let key, let why): return "invalid \(key): \(why)"
        }
    }
}

/// Checks a packet before it leaves, the way amieclient's `send_packet` does (`validate_data` plus the
/// required-key check of `missing_attributes()`): the type must be known, every required body key present and
/// not null — except, for a reply (`header.in_reply_to` set), the keys the server infers from the packet it
/// answers — and the type's own rules must hold. Unlike `validate_data` in 0.4.0, a key that was never set
/// counts as missing (docs/protocols/amie.md §5.2).
public enum AMIEPacketValidator {
    /// Validates and returns the packet normalized as amieclient's `as_dict()` sends it: `DATA_TYPE` `packet`,
    /// null body values dropped, `expected_reply_list` filled in from the type when absent.
    public static func validated(_ packet: AMIEJSON) throws -> AMIEJSON {
        guard case .object(var members) = packet else { throw AMIEValidationError.notAJSONObject("top level is not an object") }
        guard let typeName = members["type"]?.stringValue else { throw AMIEValidationError.unknownType(nil) }
        guard let type = AMIEPacketType.named(typeName) else { throw AMIEValidationError.unknownType(typeName) }
        var header: [String: AMIEJSON] = [:]
        if let h = members["header"], !h.isNull {
            guard let object = h.objectValue else { throw AMIEValidationError.notAJSONObject("header is not an object") }
            header = object
        }
        var body: [String: AMIEJSON] = [:]
        if let b = members["body"], !b.isNull {
            guard let object = b.objectValue else { throw AMIEValidationError.notAJSONObject("body is not an object") }
            body = object.filter { !$0.value.isNull }
        }
        let isReply = isReplyHeader(header)
        if let reply = header["in_reply_to"], !reply.isNull, reply.intValue == nil {
            throw AMIEValidationError.invalidValue(key: "in_reply_to", why: "not a packet_rec_id")
        }
        let missing = type.requiredKeys(isReply: isReply).filter { body[$0] == nil }
        guard missing.isEmpty else { throw AMIEValidationError.missingKeys(missing) }
        try checkRules(type, body: body)
        try checkDates(body)

        if header["expected_reply_list"] == nil || header["expected_reply_list"] == .null {
            header["expected_reply_list"] = type.expectedReplyList
        }
        members["DATA_TYPE"] = .string("packet")
        members["header"] = .object(header)
        members["body"] = .object(body)
        return .object(members)
    }

    /// amieclient treats `in_reply_to` as set when it is truthy: a non-zero id.
    static func isReplyHeader(_ header: [String: AMIEJSON]) -> Bool {
        guard let id = header["in_reply_to"]?.intValue else { return false }
        return id != 0
    }

    private static func checkRules(_ type: AMIEPacketType, body: [String: AMIEJSON]) throws {
        for rule in type.rules {
            switch rule {
            case .singleResource:
                guard let list = body["ResourceList"] else { continue }
                guard let items = list.arrayValue else {
                    throw AMIEValidationError.invalidValue(key: "ResourceList", why: "must be a list")
                }
                guard items.count == 1 else {
                    throw AMIEValidationError.invalidValue(key: "ResourceList", why: "must have exactly one element")
                }
            case .actionType:
                let action = body["ActionType"]?.stringValue
                guard let action, ["add", "delete", "replace"].contains(action) else {
                    throw AMIEValidationError.invalidValue(key: "ActionType", why: "must be add, delete or replace")
                }
            case .duplicatePersonIDs:
                for n in ["1", "2"] where body["GlobalID\(n)"] == nil && body["PersonID\(n)"] == nil {
                    throw AMIEValidationError.missingKeys(["GlobalID\(n) or PersonID\(n)"])
                }
            }
        }
    }

    /// amieclient parses every body key containing `Date` with dateutil; a value it cannot parse would make the
    /// client raise before sending. We accept ISO-8601 dates and date-times (`YYYY-MM-DD…`).
    private static func checkDates(_ body: [String: AMIEJSON]) throws {
        for (key, value) in body where key.contains("Date") {
            guard let text = value.stringValue, looksLikeISODate(text) else {
                throw AMIEValidationError.invalidValue(key: key, why: "not an ISO-8601 date")
            }
        }
    }

    static func looksLikeISODate(_ text: String) -> Bool {
        let chars = Array(text.utf8)
        guard chars.count >= 10 else { return false }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9]
        return digits.allSatisfy { chars[$0] >= 48 && chars[$0] <= 57 } && chars[4] == 45 && chars[7] == 45
    }
}
