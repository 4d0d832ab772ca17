import AMIEBackend
import AMIEEmulator
import Foundation
import SciencefsCore
import XCTest

/// The AMIE backend against the emulator over real HTTP: the packet tree, file bytes and sizes, xattrs, client
/// state, sending with validation, and failing a transaction.
final class AMIEBackendTests: XCTestCase {
    private var fixture: AMIEEmulatorFixture!

    override func setUpWithError() throws { fixture = try AMIEEmulatorFixture() }
    override func tearDown() { fixture = nil }

    private var backend: AMIEBackend { fixture.backend }
    private var emulator: AMIEEmulator { fixture.emulator }

    func testIncomingPacketsAreJSONFilesNamedByRecordIdAndTypeWithExactSizes() throws {
        let id = try fixture.projectRequest()
        XCTAssertEqual(try backend.list(.root).map(\.name), ["packets", "transactions"])
        XCTAssertEqual(try backend.list(RemotePath(string: "packets")).map(\.name), ["incoming", "outgoing"])
        let entries = try backend.list(RemotePath(string: "packets/incoming"))
        XCTAssertEqual(entries.map(\.name), ["\(id)-request_project_create.json"])
        XCTAssertEqual(try backend.list(RemotePath(string: "packets/outgoing")), [])

        let path = "packets/incoming/\(id)-request_project_create.json"
        let bytes = try fixture.readAll(path)
        XCTAssertEqual(UInt64(bytes.count), entries[0].attributes.size, "the listing's size is the file's size")
        XCTAssertEqual(try backend.stat(RemotePath(string: path)).size, UInt64(bytes.count))
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("{\n    \"DATA_TYPE\": \"Packet\",\n    \"body\": {\n"), text)
        XCTAssertTrue(text.hasSuffix("}\n"))
        let parsed = try AMIEJSON.parse(bytes)
        XCTAssertEqual(parsed["body"]?["GrantNumber"], .string("CHE230042"))
        XCTAssertEqual(parsed["header"]?["packet_rec_id"]?.intValue, id)

        // A range read is a slice of the same bytes.
        var slice = Data()
        try backend.read(RemotePath(string: path), offset: 10, length: 20) { slice.append(contentsOf: $0) }
        XCTAssertEqual(slice, bytes[10..<30])
        // Wrong type or direction in the name: not there.
        XCTAssertThrowsError(try backend.stat(RemotePath(string: "packets/incoming/\(id)-data_project_create.json"))) {
            XCTAssertEqual($0 as? FSError, .notFound)
        }
        XCTAssertThrowsError(try backend.stat(RemotePath(string: "packets/outgoing/\(id)-request_project_create.json"))) {
            XCTAssertEqual($0 as? FSError, .notFound)
        }
    }

    func testAListingCostsOneRequestAndReadsAfterItCostNone() throws {
        for n in 0..<5 { try fixture.projectRequest(grant: "G\(n)") }
        emulator.requestLog.clear()
        let entries = try backend.list(RemotePath(string: "packets/incoming"))
        for entry in entries {
            _ = try backend.stat(RemotePath(string: "packets/incoming/\(entry.name)"))
            _ = try fixture.readAll("packets/incoming/\(entry.name)")
        }
        let log = emulator.requestLog.all
        XCTAssertEqual(log.count, 1, log.map { "\($0.method) \($0.path)?\($0.query ?? "")" }.joined(separator: "\n"))
        XCTAssertEqual(log.first?.query, "incoming=True", "amieclient's spelling of the filter")
    }

    func testClientStateIsAnXattrThatSetfattrChanges() throws {
        let id = try fixture.projectRequest()
        let path = RemotePath(string: "packets/incoming/\(id)-request_project_create.json")
        let before = try backend.stat(path)
        var xattrs = try backend.extendedAttributes(of: path, attributes: before)
        XCTAssertEqual(xattrs["user.amie.state"], "in-progress")
        XCTAssertEqual(xattrs["user.amie.type"], "request_project_create")
        XCTAssertNil(xattrs["user.amie.client_state"])

        try backend.setExtendedAttribute(of: path, name: "user.amie.client_state", value: "processing")
        XCTAssertEqual(emulator.packet(id)?.clientState, "processing")
        let after = try backend.stat(path)
        xattrs = try backend.extendedAttributes(of: path, attributes: after)
        XCTAssertEqual(xattrs["user.amie.client_state"], "processing")
        XCTAssertNotEqual(after.mtime, before.mtime, "new bytes get a new cache version")
        XCTAssertTrue(String(decoding: try fixture.readAll(path.string), as: UTF8.self).contains("\"client_state\": \"processing\""))

        try backend.setExtendedAttribute(of: path, name: "user.amie.client_json", value: #"{"ticket": 7}"#)
        XCTAssertEqual(emulator.packet(id)?.clientJSON, #"{"ticket":7}"#)
        XCTAssertThrowsError(try backend.setExtendedAttribute(of: path, name: "user.amie.client_json", value: "{oops")) {
            guard case .invalidArgument? = $0 as? FSError else { return XCTFail("\($0)") }
        }
        try backend.setExtendedAttribute(of: path, name: "user.amie.client_state", value: "")
        XCTAssertNil(emulator.packet(id)?.clientState, "an empty value clears the state")
        XCTAssertThrowsError(try backend.setExtendedAttribute(of: path, name: "user.amie.type", value: "x")) {
            XCTAssertEqual($0 as? FSError, .unsupported)
        }
    }

    func testWritingAReplySendsItAndTheConversationShowsUpInItsTransaction() throws {
        let id = try fixture.projectRequest()
        let attrs = try fixture.send("""
            {"type": "notify_project_create", "header": {"in_reply_to": \(id)},
             "body": {"PiPersonID": "u-ada", "PiRemoteSiteLogin": "aokafor", "ProjectID": "p-1"}}
            """)
        XCTAssertEqual(emulator.requestLog.entries(method: "POST").count, 1)
        let sent = try XCTUnwrap(emulator.packets.first { $0.type == "notify_project_create" })
        XCTAssertTrue(sent.outgoing)
        XCTAssertEqual(sent.inReplyTo, id)
        XCTAssertTrue(sent.bodyKeys.contains("GrantNumber"), "the server inferred the rest")
        XCTAssertEqual(attrs.xattrs["user.amie.packet_rec_id"], String(sent.packetRecID))

        XCTAssertEqual(try backend.list(RemotePath(string: "packets/outgoing")).map(\.name),
                       ["\(sent.packetRecID)-notify_project_create.json"])
        let transactions = try backend.list(RemotePath(string: "transactions"))
        XCTAssertEqual(transactions.map(\.name), [String(sent.transRecID)])
        XCTAssertEqual(transactions.first?.attributes.kind, .directory)
        let members = try backend.list(RemotePath(string: "transactions/\(sent.transRecID)")).map(\.name)
        XCTAssertEqual(members.count, 3, "\(members)")
        XCTAssertEqual(members.first, "\(id)-request_project_create.json")
        XCTAssertTrue(members[2].hasSuffix("-data_project_create.json"), "the remote side's answer")
        let tx = try backend.stat(RemotePath(string: "transactions/\(sent.transRecID)"))
        XCTAssertEqual(tx.xattrs["user.amie.state"], "in-progress")
    }

    func testAnInvalidPacketIsNotSentAndNamesTheMissingKeys() throws {
        let id = try fixture.projectRequest()
        emulator.requestLog.clear()
        XCTAssertThrowsError(try fixture.send("""
            {"type": "notify_project_create", "header": {"in_reply_to": \(id)}, "body": {"ProjectID": "p-1"}}
            """)) { error in
            XCTAssertEqual(error as? FSError, .invalidArgument("missing keys: PiPersonID, PiRemoteSiteLogin"))
            XCTAssertEqual((error as? FSError)?.errno, EINVAL)
        }
        XCTAssertThrowsError(try fixture.send("not json")) { XCTAssertEqual(($0 as? FSError)?.errno, EINVAL) }
        XCTAssertThrowsError(try fixture.send(#"{"type": "request_pizza"}"#)) {
            XCTAssertEqual($0 as? FSError, .invalidArgument("unknown packet type \"request_pizza\""))
        }
        XCTAssertTrue(emulator.requestLog.entries(method: "POST").isEmpty, "nothing half-formed reached the server")
    }

    func testPacketsCannotBeWrittenDeletedOrRenamedOutsideNewOutgoingFiles() throws {
        let id = try fixture.projectRequest()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("amie-\(UUID().uuidString)")
        try Data("{}".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let incoming = RemotePath(string: "packets/incoming/\(id)-request_project_create.json")
        XCTAssertThrowsError(try backend.upload(from: file, to: incoming)) { XCTAssertEqual($0 as? FSError, .permissionDenied) }
        XCTAssertThrowsError(try backend.delete(incoming, kind: .file)) { XCTAssertEqual($0 as? FSError, .permissionDenied) }
        XCTAssertThrowsError(try backend.rename(incoming, to: RemotePath(string: "packets/incoming/x.json")))
        XCTAssertThrowsError(try backend.makeDirectory(RemotePath(string: "packets/outgoing/dir")))
        XCTAssertThrowsError(try backend.stat(RemotePath(string: "packets/elsewhere"))) { XCTAssertEqual($0 as? FSError, .notFound) }
        XCTAssertTrue(emulator.requestLog.entries(method: "POST").isEmpty)
    }

    func testSettingATransactionsStateToFailedFailsIt() throws {
        let id = try fixture.projectRequest()
        let transRecID = try XCTUnwrap(emulator.packet(id)?.transRecID)
        let path = RemotePath(string: "transactions/\(transRecID)")
        XCTAssertThrowsError(try backend.setExtendedAttribute(of: path, name: "user.amie.state", value: "completed")) {
            guard case .invalidArgument? = $0 as? FSError else { return XCTFail("\($0)") }
        }
        try backend.setExtendedAttribute(of: path, name: "user.amie.state", value: "failed")
        XCTAssertEqual(emulator.transactionState(transRecID), "failed")
        XCTAssertEqual(try backend.stat(path).xattrs["user.amie.state"], "failed")
        let file = RemotePath(string: "transactions/\(transRecID)/\(id)-request_project_create.json")
        let xattrs = try backend.extendedAttributes(of: file, attributes: try backend.stat(file))
        XCTAssertEqual(xattrs["user.amie.transaction_state"], "failed")
    }

    func testAWrongAPIKeyIsPermissionDeniedAndServerErrorsAreLoggedIO() throws {
        let wrong = try AMIEEmulatorFixture(apiKey: "not-the-key")
        XCTAssertThrowsError(try wrong.backend.list(RemotePath(string: "packets/incoming"))) {
            XCTAssertEqual($0 as? FSError, .permissionDenied)
        }
        emulator.faults.add(method: "GET", pathPrefix: "/v0.10/packets/", action: .status(500))
        XCTAssertThrowsError(try backend.list(RemotePath(string: "packets/incoming"))) {
            guard case .io(let why)? = $0 as? FSError else { return XCTFail("\($0)") }
            XCTAssertTrue(why.description.contains("HTTP 500"), why.description)
        }
        emulator.faults.add(method: "GET", pathPrefix: "/v0.10/packets/", action: .malformedJSON)
        XCTAssertThrowsError(try backend.list(RemotePath(string: "packets/incoming"))) {
            guard case .io? = $0 as? FSError else { return XCTFail("\($0)") }
        }
    }
}
