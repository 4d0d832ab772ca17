import AgaveBackend
import AgaveEmulator
import EmulatorSupport
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP
import XCTest

/// The conformance suite against `AgaveBackend` over the AgaveEmulator: two storage systems, listings paged four
/// entries at a time.
final class AgaveConformanceTests: BackendConformanceTestCase {
    override func makeFixture() throws -> ConformanceFixture? { try AgaveConformanceFixture() }
}

final class AgaveConformanceFixture: ConformanceFixture {
    static let system = "data.tacc.user"
    static let otherSystem = "scratch.tacc.user"
    static let pageSize = 4

    /// Agave does everything the suite asks, inside one storage system (AgaveBackend+Manage.swift).
    let capabilities = BackendCapabilities(listingPageSize: AgaveConformanceFixture.pageSize, upload: .supported,
                                           replace: .supported, mkdir: .supported, rmdir: .supported,
                                           unlink: .supported, rename: .supported, expiringTokens: true, refreshGap: nil)
    let maxRetries = 2
    let directory: URL
    let emulator: AgaveEmulator
    let baseURL: String
    let logger: Logger
    lazy var backend: Backend = makeBackend()
    private var seeded = 0

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("agave-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "test.conformance.agave")
        logger.logLevel = .critical
        self.logger = logger
        var emulatorLogger = Logger(label: "test.conformance.agave-emulator")
        emulatorLogger.logLevel = .critical
        emulator = try AgaveEmulator(stateDirectory: directory.appendingPathComponent("state"), configuration: .init(
            clientKey: "key", clientSecret: "secret", users: ["alice": "alice-password"], logger: emulatorLogger))
        try emulator.addSystem(id: Self.system, name: "data", description: "conformance storage")
        try emulator.addSystem(id: Self.otherSystem, name: "scratch", description: "a second system")
        baseURL = "http://127.0.0.1:\(try emulator.start(port: 0))"
    }

    func makeBackend() -> Backend {
        let retry = RetryPolicy(maxRetries: maxRetries, initialDelay: 0.01, multiplier: 2, maxDelay: 0.05, jitter: 0.1)
        return AgaveBackend(configuration: AgaveConfiguration(
            name: "agave", baseURL: baseURL, apiKey: "key", apiSecret: "secret", username: "alice",
            password: "alice-password", pageSize: Self.pageSize, retry: retry), logger: logger)
    }

    var faults: FaultInjector { emulator.faults }
    var requestLog: RequestLog { emulator.requestLog }

    func tearDown() {
        emulator.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private func put(_ data: Data, system: String = AgaveConformanceFixture.system, at relative: String) throws {
        let url = emulator.localURL(system: system, path: relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    private static func path(_ relative: String, system: String = AgaveConformanceFixture.system) -> RemotePath {
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

    /// Two storage systems are two filesystems: no Agave request moves a file between them.
    func crossDeviceRename() throws -> (from: RemotePath, to: RemotePath)? {
        try put(Data("x".utf8), at: "exdev.bin")
        return (Self.path("exdev.bin"), Self.path("exdev.bin", system: Self.otherSystem))
    }

    /// Agave names are POSIX names on the storage system: everything but `/` and NUL round-trips as it is.
    let hostileNames = ["with space.txt", "100%.txt", "a%2Fb.txt", "hash#tag.txt", "what?.txt", "ünïcödé 日本.txt",
                        "plus+sign.txt", "semi;colon&amp=.txt", "back\\slash.txt", "..dots..", "-leading-dash"]
        .map { HostileName($0) }

    func statRequest(for path: RemotePath) -> (method: String, path: FaultInjector.PathMatch) {
        ("GET", .prefix("/files/v2/listings/system/" + path.components.dropFirst().dropLast().joined(separator: "/")))
    }

    func listingRequests() -> Int { emulator.requestLog.entries(method: "GET", pathPrefix: "/files/v2/listings/").count }
    func tokenRequests() -> Int { emulator.requestLog.entries(method: "POST", pathPrefix: "/token").count }
}

extension AgaveConformanceTests {
    /// Agave's own half of rename: into another directory of the same system it is one `move` request.
    func testRenameIntoAnotherDirectoryOfTheSameSystemMovesTheFile() throws {
        let backend = fixture.backend
        let directory = try fixture.uploadDirectory()
        _ = try backend.makeDirectory(directory.appending("elsewhere"))
        try backend.upload(Data("moved\n".utf8), to: directory.appending("m.txt"))
        try backend.rename(directory.appending("m.txt"), to: directory.appending("elsewhere").appending("n.txt"))
        XCTAssertThrowsFSError(.notFound, try backend.stat(directory.appending("m.txt")))
        XCTAssertEqual(try backend.readData(directory.appending("elsewhere").appending("n.txt"), offset: 0, length: 100),
                       Data("moved\n".utf8))
    }
}
