/// Valid AMIE documents as the AMIE emulator (and the real AMIE REST API and amieclient 0.4.0 it follows) shape
/// them: packet lists and single packets in a `{"result": …}` reply, a transaction with its packets, packets a
/// site writes to `outgoing/`, and error bodies.
enum AMIECorpus {
    static let projectCreate = """
        {"DATA_TYPE":"Packet","type":"request_project_create",
         "header":{"packet_rec_id":100001,"packet_id":1,"transaction_id":71,"trans_rec_id":5001,
          "expected_reply_list":[{"type":"notify_project_create","timeout":30240}],"local_site_name":"PSC",
          "remote_site_name":"XSEDE","originating_site_name":"XSEDE","outgoing_flag":false,
          "transaction_state":"in-progress","packet_state":"in-progress","date":"2024-07-01T09:25:37.123456",
          "client_state":"processing","client_json":{"ticket":42,"notes":["a","b"]}},
         "body":{"AllocationType":"new","EndDate":"2025-06-30","GrantNumber":"CHE230042","PfosNumber":"2300420",
          "PiFirstName":"Ada","PiLastName":"Okafor","PiOrganization":"University of Example","PiOrgCode":"0012345",
          "PiEmail":"ada.okafor@example.edu","PiPersonID":"u-ada","ProjectTitle":"Solvent effects",
          "RecordID":"REC-8841","ResourceList":["bridges2-cpu.psc.access-ci"],"ServiceUnitsAllocated":"50000",
          "StartDate":"2024-07-01"}}
        """
    static let accountCreate = """
        {"DATA_TYPE":"Packet","type":"request_account_create",
         "header":{"packet_rec_id":"100002","trans_rec_id":5002,"outgoing_flag":false,"packet_state":"in-progress",
          "transaction_state":"in-progress","date":"2024-07-02 10:00:00+00:00","in_reply_to":null,"client_json":null},
         "body":{"GrantNumber":"CHE230042","ProjectID":"p-che230042","ResourceList":["bridges2-cpu.psc.access-ci"],
          "UserFirstName":"Lin","UserLastName":"Zhou","UserOrganization":"University of Example","UserOrgCode":"0012345",
          "AcademicDegree":[{"Field":"Chemistry","Degree":"PhD"}],"RoleList":["user"]}}
        """
    static let notifySent = """
        {"DATA_TYPE":"Packet","type":"notify_project_create",
         "header":{"packet_rec_id":100007,"trans_rec_id":5006,"outgoing_flag":true,"in_reply_to":100006,
          "packet_state":"completed","transaction_state":"completed","date":"2024-01-02T00:00:00Z"},
         "body":{"PiPersonID":"u-sam","PiRemoteSiteLogin":"srivera","ProjectID":"p-bio220011"}}
        """

    static let seeds: [FuzzSeed] = [
        .json("packet-list", #"{"result":[\#(projectCreate),\#(accountCreate),\#(notifySent)],"message":null}"#),
        .json("packet-list", #"{"result":[]}"#),
        .json("packet", #"{"result":\#(notifySent)}"#),
        .json("packet", #"{"result":\#(projectCreate)}"#),
        .json("transaction", """
            {"result":{"trans_rec_id":5006,"transaction_id":77,"state":"completed","originating_site_name":"XSEDE",
             "local_site_name":"PSC","remote_site_name":"XSEDE","DATA":[\(projectCreate),\(notifySent)]}}
            """),
        .json("outgoing-packet", """
            {"type":"notify_project_create","header":{"in_reply_to":100001},
             "body":{"PiPersonID":"u-ada","PiRemoteSiteLogin":"aokafor","ProjectID":"p-che230042"}}
            """),
        .json("outgoing-packet", """
            {"type":"request_user_modify","body":{"ActionType":"replace","PersonID":"u-lin","Email":"lzhou@example.edu"}}
            """),
        .json("outgoing-packet", """
            {"type":"inform_transaction_complete","header":{"in_reply_to":"100009"},
             "body":{"DetailCode":1,"Message":"OK","StatusCode":"Success","StartDate":"2024-07-01T00:00:00"}}
            """),
        .json("outgoing-packet", #"{"type":"notify_person_duplicate","body":{"GlobalID1":"71691","PersonID2":"u-ada2"}}"#),
        .json("error-body", #"{"message":"Invalid site name","status":"error"}"#),
    ]
}
