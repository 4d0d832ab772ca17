import AMIEBackend
import AMIEEmulator
import EmulatorSupport
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP
import XCTest

/// The conformance suite against `AMIEBackend` over the AMIEEmulator: packets that arrive from the allocation
/// service, in `packets/incoming/`.
final class AMIEConformanceTests: BackendConformanceTestCase {
    override func makeFixture() throws -> ConformanceFixture? { try AMIEConformanceFixture() }
}

final class AMIEConformanceFixture: ConformanceFixture {
    /// AMIEBackend.swift: packets are records of what was said, never deleted, renamed or grouped into new
    /// directories (EACCES); the only write is a new packet file in `packets/outgoing/`, which sends it
    /// (AMIEBackend+Send.swift), so `packets/incoming/` refuses uploads. The site authenticates with a fixed API
    /// key, so there is no token; a listing is one reply.
    let capabilities = BackendCapabilities(
        listingPageSize: nil, upload: .refused(.permissionDenied), replace: .refused(.permissionDenied),
        mkdir: .refused(.permissionDenied), rmdir: .refused(.permissionDenied), unlink: .refused(.permissionDenied),
        rename: .refused(.permissionDenied), expiringTokens: false, refreshGap: nil)
    let maxRetries = 2
    let emulator: AMIEEmulator
    let logger: Logger
    lazy var backend: Backend = makeBackend()
    private var grants = 0
    static let incoming = RemotePath(["packets", "incoming"])

    init() throws {
        var emulatorLogger = Logger(label: "test.conformance.amie-emulator")
        emulatorLogger.logLevel = .critical
        emulator = AMIEEmulator(configuration: AMIEEmulator.Configuration(autoReply: false, logger: emulatorLogger))
        _ = try emulator.start()
        var logger = Logger(label: "test.conformance.amie")
        logger.logLevel = .critical
        self.logger = logger
    }

    func makeBackend() -> Backend {
        let retry = RetryPolicy(maxRetries: maxRetries, initialDelay: 0.01, multiplier: 2, maxDelay: 0.05, jitter: 0.1)
        return AMIEBackend(configuration: AMIEConfiguration(
            name: "amie", siteName: emulator.configuration.siteName, apiKey: emulator.configuration.apiKey,
            baseURL: emulator.baseURL.absoluteString, connectTimeout: 2, retry: retry), logger: logger)
    }

    var faults: FaultInjector { emulator.faults }
    var requestLog: RequestLog { emulator.requestLog }

    func tearDown() { emulator.stop() }

    /// A project request from the allocation service: one new packet in `packets/incoming/`; returns its file name.
    private func receivePacket() throws -> String {
        grants += 1
        let recID = try emulator.receiveFromRemote(type: "request_project_create", body: """
            {"AllocationType": "new", "GrantNumber": "CHE23\(String(format: "%04d", grants))", "PfosNumber": "2300420",
             "RecordID": "REC-\(grants)", "PiFirstName": "Ada", "PiLastName": "Okafor",
             "PiOrganization": "University of Example", "PiOrgCode": "0012345", "ProjectTitle": "Catalysis",
             "ResourceList": ["bridges2-cpu.psc.access-ci"], "ServiceUnitsAllocated": "50000",
             "StartDate": "2024-07-01", "EndDate": "2025-06-30"}
            """)
        return "\(recID)-request_project_create.json"
    }

    /// AMIE names packet files itself: one packet per requested file, in `packets/incoming/`, with every packet
    /// received so far (the backend renders their bytes).
    func seedDirectory(_ files: [(name: String, data: Data)]) throws -> SeededDirectory {
        for _ in files { _ = try receivePacket() }
        let names = emulator.packets.filter { !$0.outgoing }.map { "\($0.packetRecID)-\($0.type).json" }
        return SeededDirectory(path: Self.incoming, files: names.map { SeededFile(name: $0, content: nil) })
    }

    func refreshProbe() throws -> (directory: RemotePath, addOnServer: () throws -> String) {
        _ = try receivePacket()
        return (Self.incoming, { [self] in try receivePacket() })
    }

    func uploadDirectory() throws -> RemotePath { Self.incoming }
    var mkdirParent: RemotePath { Self.incoming }

    /// Packet file names are the server's `<packet_rec_id>-<type>.json`; nothing else is written there.
    let hostileNames: [HostileName] = []

    /// A name that is not a packet file name, or names a packet that is not there, is ENOENT.
    var refusedNames: [(name: String, error: FSError)] {
        [("not a packet.json", .notFound), ("999999-request_project_create.json", .notFound), ("1-other_type.json", .notFound)]
    }

    func statRequest(for path: RemotePath) -> (method: String, path: FaultInjector.PathMatch) {
        ("GET", .contains("/packets/"))
    }

    func listingRequests() -> Int { emulator.requestLog.entries(method: "GET").count }
}

extension AMIEConformanceTests {
    /// AMIE's one write is a new packet file in `packets/outgoing/`, sent when it is closed: a file that is not a
    /// packet is not sent (EINVAL), and nothing else anywhere is written (EACCES).
    func testOnlyOutgoingTakesNewFilesAndOnlyPackets() throws {
        let backend = fixture.backend
        XCTAssertThrowsFSError(.invalidArgument(""), try backend.upload(Data("not json".utf8),
                                                                        to: RemotePath(["packets", "outgoing", "bad.json"])))
        XCTAssertThrowsFSError(.permissionDenied, try backend.upload(Data("{}".utf8), to: RemotePath(["transactions", "1", "x.json"])))
    }
}
