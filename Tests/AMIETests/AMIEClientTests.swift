import AMIEBackend
import AMIEEmulator
import Foundation
import Logging
import SciencefsHTTP
import XCTest

/// The client's wire spelling and the emulator's filters, checked together through the request log.
final class AMIEClientTests: XCTestCase {
    func testListFiltersAreSentAsAmieclientSpellsThemAndTheServerAppliesThem() throws {
        let fixture = try AMIEEmulatorFixture()
        let first = try fixture.projectRequest(grant: "A")
        let second = try fixture.projectRequest(grant: "B")
        let client = fixture.backend.client
        let transRecID = try XCTUnwrap(fixture.emulator.packet(second)?.transRecID)
        try client.setClientState(recID: first, state: "done")

        fixture.emulator.requestLog.clear()
        let since = Date(timeIntervalSince1970: 1_700_000_000)
        let found = try client.listPackets(AMIEPacketFilter(transRecIDs: [transRecID], outgoing: false, incoming: true,
                                                            updatedSince: since, states: ["in-progress"],
                                                            transactionStates: ["in-progress"]))
        XCTAssertEqual(found.map(\.packetRecID), [second])
        XCTAssertEqual(fixture.emulator.requestLog.all.first?.query,
                       "trans_rec_id=\(transRecID)&outgoing=False&update_time=2023-11-14T22%3A13%3A20%2C&states=in-progress"
                       + "&transaction_state=in-progress&incoming=True")
        XCTAssertEqual(try client.listPackets(AMIEPacketFilter(clientStates: ["done"])).map(\.packetRecID), [first])
        XCTAssertEqual(try client.listPackets(AMIEPacketFilter(updatedUntil: since)).count, 0)

        let packet = try client.packet(recID: first)
        XCTAssertEqual(packet.clientState, "done")
        XCTAssertEqual(packet.type, "request_project_create")
        let transaction = try client.transaction(transRecID: transRecID)
        XCTAssertEqual(transaction.packets.map(\.packetRecID), [second])
        XCTAssertEqual(transaction.state, "in-progress")
        XCTAssertEqual(transaction.remoteSite, "ACCESS")
        try client.clearClientState(recID: first)
        XCTAssertNil(try client.packet(recID: first).clientState)
        XCTAssertThrowsError(try client.packet(recID: 999)) {
            guard case .server(404, let message?)? = $0 as? AMIEClientError else { return XCTFail("\($0)") }
            XCTAssertTrue(message.contains("999"))
        }
    }

    func testAClientStateWithSpacesIsPercentEncodedInThePath() throws {
        let fixture = try AMIEEmulatorFixture()
        let id = try fixture.projectRequest()
        try fixture.backend.client.setClientState(recID: id, state: "waiting on PI")
        XCTAssertEqual(fixture.emulator.packet(id)?.clientState, "waiting on PI")
        XCTAssertEqual(fixture.emulator.requestLog.entries(method: "PUT").last?.path,
                       "/v0.10/packets/TESTSITE/\(id)/client_state/waiting on PI")
    }

    func testTheEmulatorAnswersEachSiteReplyUntilTheTransactionCompletes() throws {
        let fixture = try AMIEEmulatorFixture()
        let client = fixture.backend.client
        let rac = try fixture.emulator.receiveFromRemote(type: "request_account_create", body: """
            {"GrantNumber": "G", "ProjectID": "p-1", "ResourceList": ["r"], "UserFirstName": "Lin", "UserLastName": "Zhou",
             "UserOrganization": "U", "UserOrgCode": "1", "UserPersonID": "u-lin",
             "AcademicDegree": [{"Field": "Chemistry", "Degree": "PhD"}]}
            """)
        try client.send(.object(["type": .string("notify_account_create"),
                                 "header": .object(["in_reply_to": .int(rac)]),
                                 "body": .object(["AccountActivityTime": .string("2024-07-01T00:00:00"), "ProjectID": .string("p-1"),
                                                  "ResourceList": .array([.string("r")]), "UserRemoteSiteLogin": .string("lzhou")])]))
        let transRecID = try XCTUnwrap(fixture.emulator.packet(rac)?.transRecID)
        var tx = try client.transaction(transRecID: transRecID)
        XCTAssertEqual(tx.packets.map(\.type), ["request_account_create", "notify_account_create", "data_account_create"])
        let dac = try XCTUnwrap(tx.packets.last)
        XCTAssertEqual(fixture.emulator.packet(dac.packetRecID)?.bodyJSON, #"{"DnList":[],"PersonID":"u-lin","ProjectID":"p-1"}"#)
        try client.send(.object(["type": .string("inform_transaction_complete"),
                                 "header": .object(["in_reply_to": .int(dac.packetRecID)]),
                                 "body": .object(["StatusCode": .string("Success"), "DetailCode": .string("1"),
                                                  "Message": .string("OK")])]))
        tx = try client.transaction(transRecID: transRecID)
        XCTAssertEqual(tx.state, "completed")
        XCTAssertTrue(tx.packets.allSatisfy { $0.packetState == "completed" })
    }

    func testDemoSeedHasOpenRequestsAndOneAnsweredConversation() throws {
        let emulator = AMIEEmulator()
        let ids = try AMIEDemoData.seedDemo(into: emulator)
        let packets = emulator.packets
        XCTAssertEqual(Set(packets.filter { !$0.outgoing && $0.inReplyTo == nil }.map(\.type)),
                       ["request_project_create", "request_account_create", "request_account_inactivate",
                        "request_user_modify", "request_person_merge"])
        XCTAssertEqual(packets.filter(\.outgoing).map(\.type), ["notify_project_create"])
        XCTAssertTrue(packets.contains { $0.type == "data_project_create" && !$0.outgoing })
        XCTAssertEqual(ids.count, 7)
    }
}
