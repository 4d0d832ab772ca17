import EmulatorSupport
import Foundation

/// A small, realistic set of AMIE conversations for the demo: a new project, a new account on it, an account
/// inactivation, a user modification and a person merge, all waiting for the site; plus one project conversation
/// already answered by the site (so `outgoing/` and a completed transaction have something to show).
public enum AMIEDemoData {
    /// Seeds `emulator` and returns the `packet_rec_id`s of the packets it created, first to last.
    @discardableResult
    public static func seedDemo(into emulator: AMIEEmulator, now: Date = Date()) throws -> [Int64] {
        var ids: [Int64] = []
        let day: TimeInterval = 86_400
        ids.append(try emulator.receiveFromRemote(type: "request_project_create", body: """
            {"AllocationType": "new", "GrantNumber": "CHE230042", "PfosNumber": "2300420", "RecordID": "REC-8841",
             "PiFirstName": "Ada", "PiLastName": "Okafor", "PiOrganization": "University of Example",
             "PiOrgCode": "0012345", "PiEmail": "ada.okafor@example.edu", "PiPersonID": "u-ada",
             "ProjectTitle": "Solvent effects in catalytic cycles", "ResourceList": ["bridges2-cpu.psc.access-ci"],
             "ServiceUnitsAllocated": "50000", "StartDate": "2024-07-01", "EndDate": "2025-06-30"}
            """, date: now.addingTimeInterval(-3 * day)))
        ids.append(try emulator.receiveFromRemote(type: "request_account_create", body: """
            {"GrantNumber": "CHE230042", "ProjectID": "p-che230042", "ResourceList": ["bridges2-cpu.psc.access-ci"],
             "UserFirstName": "Lin", "UserLastName": "Zhou", "UserOrganization": "University of Example",
             "UserOrgCode": "0012345", "UserEmail": "lin.zhou@example.edu", "UserPersonID": "u-lin",
             "AcademicDegree": [{"Field": "Chemistry", "Degree": "PhD"}], "RoleList": ["user"]}
            """, date: now.addingTimeInterval(-2 * day)))
        ids.append(try emulator.receiveFromRemote(type: "request_account_inactivate", body: """
            {"PersonID": "u-old", "ProjectID": "p-phy190007", "ResourceList": ["bridges2-cpu.psc.access-ci"],
             "Comment": "allocation ended"}
            """, date: now.addingTimeInterval(-day)))
        ids.append(try emulator.receiveFromRemote(type: "request_user_modify", body: """
            {"ActionType": "replace", "PersonID": "u-lin", "Email": "lzhou@example.edu"}
            """, date: now.addingTimeInterval(-day / 2)))
        ids.append(try emulator.receiveFromRemote(type: "request_person_merge", body: """
            {"KeepGlobalID": "71691", "KeepPersonID": "u-ada", "DeleteGlobalID": "71702", "DeletePersonID": "u-ada2"}
            """, date: now.addingTimeInterval(-day / 4)))
        // One conversation the site has already answered: request → notify (sent) → data (auto reply).
        let answered = try emulator.receiveFromRemote(type: "request_project_create", body: """
            {"AllocationType": "renewal", "GrantNumber": "BIO220011", "PfosNumber": "2200110", "RecordID": "REC-7710",
             "PiFirstName": "Sam", "PiLastName": "Rivera", "PiOrganization": "Example Institute of Technology",
             "PiOrgCode": "0054321", "ProjectTitle": "Protein folding ensembles",
             "ResourceList": ["bridges2-gpu.psc.access-ci"], "ServiceUnitsAllocated": "12000",
             "StartDate": "2024-01-01", "EndDate": "2024-12-31"}
            """, date: now.addingTimeInterval(-10 * day))
        ids.append(answered)
        let reply = """
            {"type": "notify_project_create", "header": {"in_reply_to": \(answered)},
             "body": {"PiPersonID": "u-sam", "PiRemoteSiteLogin": "srivera", "ProjectID": "p-bio220011"}}
            """
        guard let json = RequestJSON.parse(Data(reply.utf8)) else { return ids }
        let sent = try emulator.store.receive(json, now: now.addingTimeInterval(-9 * day))
        if let id = sent["header"]?["packet_rec_id"]?.intValue { ids.append(id) }
        return ids
    }
}
