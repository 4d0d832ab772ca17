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

final class TapisConformanceFixture: ConformanceFixture {
    static let system = "work.tapis"
    static let otherSystem = "scratch.tapis"
    static let pageSize = 4

    /// Tapis does everything the suite asks inside one system (TapisBackend+Manage.swift, docs/protocols/tapis.md §5).
    let capabilities = BackendCapabilities(listingPageSize: TapisConformanceFixture.pageSize, upload: .supported,
                                           replace: .supported, mkdir: .supported, rmdir: .supported,
                                           unlink: .supported, rename: .supported, expiringTokens: true, refreshGap: nil)
    let maxRetries = 2
    let directory: URL
    let emulator: TapisEmulator
    let baseURL: String
    let logger: Logger
    lazy var backend: Backend = makeBackend()
    private var seeded = 0

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tapis-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "test.conformance.tapis")
        logger.logLevel = .critical
        self.logger = logger
        var emulatorLogger = Logger(label: "test.conformance.tapis-emulator")
        emulatorLogger.logLevel = .critical
        emulator = try TapisEmulator(stateDirectory: directory.appendingPathComponent("state"), configuration: .init(
            users: ["alice": "alice-password"], transferStepDelay: 0.01, logger: emulatorLogger))
        try emulator.addSystem(TapisSystem(id: Self.system, description: "conformance storage", host: "work.example"))
        try emulator.addSystem(TapisSystem(id: Self.otherSystem, description: "a second system", host: "scratch.example"))
        baseURL = "http://127.0.0.1:\(try emulator.start(port: 0))"
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

    private func put(_ data: Data, system: String = TapisConformanceFixture.system, at relative: String) throws {
        let url = emulator.localURL(system: system, path: relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    private static func path(_ relative: String, system: String = TapisConformanceFixture.system) -> RemotePath {
        RemotePath(["systems", system] + RemotePath(string: relative).components)
    }

    func seedDirectory(_ files: [(name: String, data: Data)]) throws -> SeededDirectory {
        seeded += 1
        let name = "seed-\(seeded)"
        try FileManager.default.createDirectory(at: emulator.localURL(system: Self.system, path: name),
                                                withIntermediateDirectories: true)
        for file in files { try put(file.data, at: "\(name)/\(file.name)") }
        return SeededDirectory(path: Self.path(name), files: files.map { SeededFile(name: $0.name, content: $0.data) })
    }

    func refreshProbe() throws -> (directory: RemotePath, addOnServer: () throws -> String) {
        let directory = try seedDirectory([("first.dat", Data("1\n".utf8))])
        return (directory.path, { [self] in
            try put(Data("2\n".utf8), at: "\(directory.path.name)/added-on-server.dat")
            return "added-on-server.dat"
        })
    }

    func uploadDirectory() throws -> RemotePath {
        try FileManager.default.createDirectory(at: emulator.localURL(system: Self.system, path: "uploads"),
                                                withIntermediateDirectories: true)
        return Self.path("uploads")
    }

    var mkdirParent: RemotePath { Self.path("") }

    /// Two systems are two filesystems: a move between them is no single Tapis request.
    func crossDeviceRename() throws -> (from: RemotePath, to: RemotePath)? {
        try put(Data("x".utf8), at: "exdev.bin")
        return (Self.path("exdev.bin"), Self.path("exdev.bin", system: Self.otherSystem))
    }

    /// Tapis names are POSIX names on the system: everything but `/` and NUL round-trips as it is.
    let hostileNames = ["with space.txt", "100%.txt", "a%2Fb.txt", "hash#tag.txt", "what?.txt", "ünïcödé 日本.txt",
                        "plus+sign.txt", "semi;colon&amp=.txt", "back\\slash.txt", "..dots..", "-leading-dash"]
        .map { HostileName($0) }

    func statRequest(for path: RemotePath) -> (method: String, path: FaultInjector.PathMatch) {
        ("GET", .prefix("/v3/files/ops/" + path.components.dropFirst().dropLast().joined(separator: "/")))
    }

    func listingRequests() -> Int { emulator.requestLog.entries(method: "GET", pathPrefix: "/v3/files/ops/").count }
    func tokenRequests() -> Int { emulator.requestLog.entries(method: "POST", pathPrefix: "/v3/oauth2/tokens").count }
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
