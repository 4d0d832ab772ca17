/// One AMIE packet type as amieclient 0.4.0 defines it (`amieclient/packet/*.py`; docs/protocols/amie.md §4):
/// the body keys it requires, those the server infers when the packet answers another (`in_reply_to` set),
/// the reply it expects, and the extra checks its `validate_data` makes.
public struct AMIEPacketType: Sendable, Equatable {
    public enum ExtraRule: Sendable, Equatable {
        /// `ResourceList`, when present, is a list of exactly one resource (validators.py).
        case singleResource
        /// `ActionType` is one of add, delete, replace (user.py).
        case actionType
        /// One of GlobalID1/PersonID1 and one of GlobalID2/PersonID2 (person.py).
        case duplicatePersonIDs
    }

    public let name: String
    public let required: [String]
    public let inferableInReply: Set<String>
    public let expectedReply: String?
    public let rules: [ExtraRule]

    /// Required keys for a packet that does (or does not) answer another one.
    public func requiredKeys(isReply: Bool) -> [String] {
        isReply ? required.filter { !inferableInReply.contains($0) } : required
    }

    /// `expected_reply_list` as amieclient sends it: a list of strings for `request_account_create` (its class
    /// declares it so), `{type, timeout}` objects for every other type.
    public var expectedReplyList: AMIEJSON {
        guard let expectedReply else { return .array([]) }
        if name == "request_account_create" { return .array([.string(expectedReply)]) }
        return .array([.object(["type": .string(expectedReply), "timeout": .int(30240)])])
    }

    public static func named(_ name: String) -> AMIEPacketType? { all[name] }

    public static let all: [String: AMIEPacketType] = {
        var table: [String: AMIEPacketType] = [:]
        func add(_ name: String, _ required: [String], inferable: [String] = [], reply: String?,
                 rules: [ExtraRule] = []) {
            table[name] = AMIEPacketType(name: name, required: required, inferableInReply: Set(inferable),
                                         expectedReply: reply, rules: rules)
        }
        let itc = "inform_transaction_complete"
        add("request_project_create", ["AllocationType", "EndDate", "GrantNumber", "PfosNumber", "PiFirstName",
                                       "PiLastName", "PiOrganization", "PiOrgCode", "StartDate", "ResourceList",
                                       "RecordID", "ServiceUnitsAllocated"],
            reply: "notify_project_create", rules: [.singleResource])
        add("notify_project_create", ["GrantNumber", "PfosNumber", "PiOrgCode", "PiPersonID", "PiRemoteSiteLogin",
                                      "ProjectID", "ProjectTitle", "ResourceList", "ServiceUnitsAllocated", "StartDate"],
            inferable: ["GrantNumber", "PfosNumber", "PiOrgCode", "ProjectTitle", "ResourceList",
                        "ServiceUnitsAllocated", "StartDate"],
            reply: "data_project_create", rules: [.singleResource])
        add("data_project_create", ["PersonID", "ProjectID"], inferable: ["GlobalID", "PersonID"], reply: itc)
        add("request_account_create", ["GrantNumber", "ResourceList", "UserFirstName", "UserLastName",
                                       "UserOrganization", "UserOrgCode"],
            reply: "notify_account_create", rules: [.singleResource])
        add("notify_account_create", ["AccountActivityTime", "AcademicDegree", "ProjectID", "ResourceList",
                                      "UserFirstName", "UserLastName", "UserOrganization", "UserOrgCode",
                                      "UserPersonID", "UserRemoteSiteLogin"],
            inferable: ["AcademicDegree", "UserFirstName", "UserLastName", "UserOrganization", "UserOrgCode",
                        "UserPersonID"],
            reply: "data_account_create", rules: [.singleResource])
        add("data_account_create", ["PersonID", "ProjectID"], reply: itc)
        for verb in ["inactivate", "reactivate"] {
            add("request_project_\(verb)", ["ProjectID", "ResourceList"], reply: "notify_project_\(verb)",
                rules: [.singleResource])
            add("notify_project_\(verb)", ["ProjectID", "ResourceList"],
                inferable: ["Comment", "PersonID", "ProjectID", "ResourceList"], reply: itc, rules: [.singleResource])
            add("request_account_\(verb)", ["PersonID", "ProjectID", "ResourceList"], reply: "notify_account_\(verb)",
                rules: [.singleResource])
        }
        add("notify_account_inactivate", ["PersonID", "ProjectID", "ResourceList"],
            inferable: ["PersonID", "ProjectID", "ResourceList"], reply: itc, rules: [.singleResource])
        add("notify_account_reactivate", ["PersonID", "ProjectID", "ResourceList"], reply: itc, rules: [.singleResource])
        add("request_user_modify", ["ActionType", "PersonID"], reply: itc, rules: [.actionType])
        // The 0.4.0 wheel labels this class `notify_account_inactivate`; the type string on the wire is this one.
        add("notify_user_modify", ["ActionType", "PersonID"], reply: itc, rules: [.actionType])
        add("request_person_merge", ["KeepGlobalID", "KeepPersonID", "DeleteGlobalID", "DeletePersonID"], reply: itc)
        add("notify_person_duplicate", [], reply: itc, rules: [.duplicatePersonIDs])
        add("notify_person_ids", ["PersonID", "PrimaryPersonID"], reply: itc)
        add(itc, ["DetailCode", "Message", "StatusCode"], reply: nil)
        return table
    }()
}
