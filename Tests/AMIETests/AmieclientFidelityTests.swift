import AMIEEmulator
import Foundation
import TestSupport
import XCTest

/// Checks the emulator against the real amieclient 0.4.0 from PyPI: a venv is created (and reused between local
/// runs, keyed by version), `amieclient_fidelity.py` drives the emulator and asserts in Python, and this test
/// checks the script's exit status and the emulator's state afterwards.
final class AmieclientFidelityTests: XCTestCase {
    static let amieclientVersion = "0.4.0"

    func testAmieclientListsGetsSendsSetsClientStateAndFailsTransactions() throws {
        let venvPython = try Self.amieclientVirtualEnv()

        let emulator = AMIEEmulator()
        defer { emulator.stop() }
        let request = try emulator.receiveFromRemote(type: "request_project_create", body: """
            {"AllocationType": "new", "GrantNumber": "CHE230042", "PfosNumber": "2300420", "RecordID": "REC-8841",
             "PiFirstName": "Ada", "PiLastName": "Okafor", "PiOrganization": "University of Example",
             "PiOrgCode": "0012345", "ProjectTitle": "Catalysis", "ResourceList": ["bridges2-cpu.psc.access-ci"],
             "ServiceUnitsAllocated": "50000", "StartDate": "2024-07-01", "EndDate": "2025-06-30",
             "FavoriteColour": "teal"}
            """)
        let account = try emulator.receiveFromRemote(type: "request_account_create", body: """
            {"GrantNumber": "CHE230042", "ResourceList": ["bridges2-cpu.psc.access-ci"], "UserFirstName": "Lin",
             "UserLastName": "Zhou", "UserOrganization": "University of Example", "UserOrgCode": "0012345",
             "AcademicDegree": [{"Field": "Chemistry", "Degree": "PhD"}]}
            """)
        try emulator.start()

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("amieclient_fidelity.py")
        let config = emulator.configuration
        let result = try TestProcess.run(venvPython, [script.path, emulator.baseURL.absoluteString, config.siteName, config.apiKey,
                                                      String(request)])
        XCTAssertEqual(result.status, 0, "amieclient script failed:\n\(result.output)")
        XCTAssertTrue(result.output.contains("ALL CHECKS PASSED"), result.output)

        // The emulator's state after the script.
        let requestPacket = try XCTUnwrap(emulator.packet(request))
        XCTAssertEqual(requestPacket.clientState, "processing")
        XCTAssertEqual(requestPacket.clientJSON, #"{"ticket":42}"#)
        XCTAssertEqual(emulator.transactionState(requestPacket.transRecID), "completed")
        let accountTransaction = try XCTUnwrap(emulator.packet(account)?.transRecID)
        XCTAssertEqual(emulator.transactionState(accountTransaction), "failed")
        let sent = emulator.packets.filter(\.outgoing).map(\.type)
        XCTAssertEqual(sent, ["notify_project_create", "inform_transaction_complete"])

        // What amieclient sent, as the emulator logged it.
        let log = emulator.requestLog.all
        XCTAssertTrue(log.contains { $0.method == "GET" && $0.path == "/v0.10/packets/TESTSITE" && $0.query == "incoming=True" })
        XCTAssertTrue(log.contains { $0.method == "PUT" && $0.path == "/v0.10/packets/TESTSITE/\(request)/client_state/processing" })
        XCTAssertTrue(log.contains { $0.method == "PUT" && $0.path == "/v0.10/transactions/TESTSITE/\(accountTransaction)/state/failed" })
        XCTAssertTrue(log.contains { $0.query?.contains("transaction_state=in-progress") == true })
        XCTAssertTrue(log.contains { $0.status == 401 }, "the wrong key was refused")
        XCTAssertTrue(log.contains { $0.method == "POST" && $0.status == 400 }, "the incomplete packet was refused")
    }

    // MARK: - Python environment

    /// amieclient 0.4.0 pins `python-dateutil<2.7`, whose 2.6.1 uses `collections.Callable` (removed in Python
    /// 3.10) and so cannot parse any packet date on a current Python. The client itself is installed unchanged;
    /// only its date parser is lifted to a release that runs on this interpreter.
    static let dateutilVersion = "2.9.0.post0"

    /// A venv with amieclient from PyPI. Reused across runs on one machine when it already imports amieclient
    /// and parses a date. python-dateutil is installed after amieclient, in a pip run of its own, to lift the pin.
    static func amieclientVirtualEnv() throws -> String {
        try PythonVenv.prepared(name: "amieclient", version: "\(amieclientVersion)-dateutil-\(dateutilVersion)",
                                importCheck: "import amieclient, dateutil.parser; dateutil.parser.parse('2024-07-01')",
                                installs: [["amieclient==\(amieclientVersion)"], ["python-dateutil==\(dateutilVersion)"]])
    }
}
