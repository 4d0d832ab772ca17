import EmulatorSupport
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP
import TapisBackend
import TapisEmulator
import XCTest

/// The conformance suite against `TapisBackend` over the TapisEmulator: a writable and a second system, listings
/// paged four entries at a time, tokens from the password grant.
final class TapisConformanceTests: BackendConformanceTestCase {
    override func makeFixture() throws -> ConformanceFixture? { try TapisConformanceFixture() }
}

final class TapisConformanceFixture: SystemsStorageFixture, ConformanceFixture {
    static let system = "work.tapis"
    static let otherSystem = "scratch.tapis"
    static let pageSize = 4

    /// Tapis does everything the suite asks inside one system (TapisBackend+Manage.swift, docs/protocols/tapis.md §5).
    let capabilities = BackendCapabilities(listingPageSize: TapisConformanceFixture.pageSize, upload: .supported,
                                           replace: .supported, mkdir: .supported, rmdir: .supported,
                                           unlink: .supported, rename: .supported, expiringTokens: true, refreshGap: nil)
    let emulator: TapisEmulator
    let baseURL: String
    lazy var backend: Backend = makeBackend()

    init() throws {
        let directory = try Self.makeDirectory(service: "tapis")
        let emulator = try TapisEmulator(stateDirectory: directory.appendingPathComponent("state"), configuration: .init(
            users: ["alice": "alice-password"], transferStepDelay: 0.01,
            logger: Self.quietLogger("test.conformance.tapis-emulator")))
        try emulator.addSystem(TapisSystem(id: Self.system, description: "conformance storage", host: "work.example"))
        try emulator.addSystem(TapisSystem(id: Self.otherSystem, description: "a second system", host: "scratch.example"))
        self.emulator = emulator
        baseURL = "http://127.0.0.1:\(try emulator.start(port: 0))"
        super.init(service: "tapis", directory: directory, system: Self.system, otherSystem: Self.otherSystem,
                   listingPrefix: "/v3/files/ops/", tokenPath: "/v3/oauth2/tokens",
                   localURL: { emulator.localURL(system: $0, path: $1) }, requestLog: emulator.requestLog)
    }

    func makeBackend() -> Backend {
        let retry = RetryPolicy(maxRetries: maxRetries, initialDelay: 0.01, multiplier: 2, maxDelay: 0.05, jitter: 0.1)
        return TapisBackend(configuration: TapisConfiguration(
            name: "tapis", baseURL: baseURL, username: "alice", password: "alice-password", pageSize: Self.pageSize,
            retry: retry), logger: logger)
    }

    var faults: FaultInjector { emulator.faults }
    var requestLog: RequestLog { emulator.requestLog }

    func tearDown() {
        emulator.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

extension TapisConformanceTests {
    /// Tapis's own half of copy: within one system it is one server-side COPY (docs/protocols/tapis.md §5.6), so
    /// no file bytes pass through the client.
    func testCopyWithinASystemIsOneServerSideRequest() throws {
        let fixture = try XCTUnwrap(self.fixture as? TapisConformanceFixture)
        let directory = try fixture.uploadDirectory()
        let content = conformancePattern(200_000)
        try fixture.backend.upload(content, to: directory.appending("original.bin"))
        fixture.emulator.requestLog.clear()
        let source = RemoteRef(source: fixture.backend.name, path: directory.appending("original.bin"))
        _ = try fixture.backend.copy(from: source, to: directory.appending("copy.bin"))
        let log = fixture.emulator.requestLog.all
        XCTAssertTrue(log.contains { $0.method == "PUT" && $0.path.hasSuffix("/uploads/original.bin") }, "one COPY request")
        XCTAssertFalse(log.contains { $0.path.hasPrefix("/v3/files/content/") }, "no bytes were downloaded")
        XCTAssertEqual(try Data(contentsOf: fixture.emulator.localURL(system: TapisConformanceFixture.system,
                                                                     path: "uploads/copy.bin")), content)
    }

    /// Between two systems a copy is a transfer task that only a mount's job tracker follows; a backend used alone
    /// declines (`.notPossible`), so the bytes stream instead and nothing is started on the server.
    func testCopyBetweenSystemsWithoutAJobTrackerIsNotPossible() throws {
        let fixture = try XCTUnwrap(self.fixture as? TapisConformanceFixture)
        let directory = try fixture.uploadDirectory()
        try fixture.backend.upload(conformancePattern(5000), to: directory.appending("travels.bin"))
        let source = RemoteRef(source: fixture.backend.name, path: directory.appending("travels.bin"))
        let target = RemotePath(["systems", TapisConformanceFixture.otherSystem, "arrived.bin"])
        XCTAssertEqual(try fixture.backend.copy(from: source, to: target), .notPossible)
        XCTAssertFalse(fixture.emulator.requestLog.all.contains { $0.path == "/v3/files/transfers" })
    }
}
