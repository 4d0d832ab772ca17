import EmulatorSupport
/// The server's view of each packet type: the body keys it requires, those it fills in from the packet a reply
/// answers, and the reply the type expects (docs/protocols/amie.md §4, taken from amieclient 0.4.0's classes). The
/// emulator keeps its own table rather than sharing the client's, so a test of the client against the emulator
/// checks two readings of the protocol against each other.
struct PacketRule: Sendable {
    let required: [String]
    let inferable: Set<String>
    let expectedReply: String?
    /// `ResourceList` must hold exactly one resource.
    let singleResource: Bool

    static let itc = "inform_transaction_complete"

    static func named(_ type: String) -> PacketRule? { table[type] }

    private static let table: [String: PacketRule] = {
        var t: [String: PacketRule] = [:]
        func rule(_ type: String, _ required: [String], _ inferable: [String] = [], reply: String?, single: Bool = false) {
            t[type] = PacketRule(required: required, inferable: Set(inferable), expectedReply: reply, singleResource: single)
        }
        rule("request_project_create", ["AllocationType", "EndDate", "GrantNumber", "PfosNumber", "PiFirstName", "PiLastName",
                                        "PiOrganization", "PiOrgCode", "StartDate", "ResourceList", "RecordID",
                                        "ServiceUnitsAllocated"], reply: "notify_project_create", single: true)
        rule("notify_project_create", ["GrantNumber", "PfosNumber", "PiOrgCode", "PiPersonID", "PiRemoteSiteLogin", "ProjectID",
                                       "ProjectTitle", "ResourceList", "ServiceUnitsAllocated", "StartDate"],
             ["GrantNumber", "PfosNumber", "PiOrgCode", "ProjectTitle", "ResourceList", "ServiceUnitsAllocated", "StartDate"],
             reply: "data_project_create", single: true)
        rule("data_project_create", ["PersonID", "ProjectID"], ["GlobalID", "PersonID"], reply: itc)
        rule("request_account_create", ["GrantNumber", "ResourceList", "UserFirstName", "UserLastName", "UserOrganization",
                                        "UserOrgCode"], reply: "notify_account_create", single: true)
        rule("notify_account_create", ["AccountActivityTime", "AcademicDegree", "ProjectID", "ResourceList", "UserFirstName",
                                       "UserLastName", "UserOrganization", "UserOrgCode", "UserPersonID", "UserRemoteSiteLogin"],
             ["AcademicDegree", "UserFirstName", "UserLastName", "UserOrganization", "UserOrgCode", "UserPersonID"],
             reply: "data_account_create", single: true)
        rule("data_account_create", ["PersonID", "ProjectID"], reply: itc)
        for verb in ["inactivate", "reactivate"] {
            rule("request_project_\(verb)", ["ProjectID", "ResourceList"], reply: "notify_project_\(verb)", single: true)
            rule("notify_project_\(verb)", ["ProjectID", "ResourceList"], ["Comment", "PersonID", "ProjectID", "ResourceList"],
                 reply: itc, single: true)
            rule("request_account_\(verb)", ["PersonID", "ProjectID", "ResourceList"], reply: "notify_account_\(verb)", single: true)
        }
        rule("notify_account_inactivate", ["PersonID", "ProjectID", "ResourceList"], ["PersonID", "ProjectID", "ResourceList"],
             reply: itc, single: true)
        rule("notify_account_reactivate", ["PersonID", "ProjectID", "ResourceList"], reply: itc, single: true)
        rule("request_user_modify", ["ActionType", "PersonID"], reply: itc)
        rule("notify_user_modify", ["ActionType", "PersonID"], reply: itc)
        rule("request_person_merge", ["KeepGlobalID", "KeepPersonID", "DeleteGlobalID", "DeletePersonID"], reply: itc)
        rule("notify_person_duplicate", [], reply: itc)
        rule("notify_person_ids", ["PersonID", "PrimaryPersonID"], reply: itc)
        rule(itc, ["DetailCode", "Message", "StatusCode"], reply: nil)
        return t
    }()

    /// `expected_reply_list` as the server sends it: `{type, timeout}` objects.
    var expectedReplyList: JSONValue {
        guard let expectedReply else { return .array([]) }
        return .array([.object([("type", .string(expectedReply)), ("timeout", 30240)])])
    }
}
