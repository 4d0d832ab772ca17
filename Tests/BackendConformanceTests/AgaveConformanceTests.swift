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

final class AgaveConformanceFixture: SystemsStorageFixture, ConformanceFixture {
    static let system = "data.tacc.user"
    static let otherSystem = "scratch.tacc.user"
    static let pageSize = 4

    /// Agave does everything the suite asks, inside one storage system (AgaveBackend+Manage.swift).
    let capabilities = BackendCapabilities(listingPageSize: AgaveConformanceFixture.pageSize, upload: .supported,
                                           replace: .supported, mkdir: .supported, rmdir: .supported,
                                           unlink: .supported, rename: .supported, expiringTokens: true, refreshGap: nil)
    let emulator: AgaveEmulator
    let baseURL: String
    lazy var backend: Backend = makeBackend()

    init() throws {
        let directory = try Self.makeDirectory(service: "agave")
        let emulator = try AgaveEmulator(stateDirectory: directory.appendingPathComponent("state"), configuration: .init(
            clientKey: "key", clientSecret: "secret", users: ["alice": "alice-password"],
            logger: Self.quietLogger("test.conformance.agave-emulator")))
        try emulator.addSystem(id: Self.system, name: "data", description: "conformance storage")
        try emulator.addSystem(id: Self.otherSystem, name: "scratch", description: "a second system")
        self.emulator = emulator
        baseURL = "http://127.0.0.1:\(try emulator.start(port: 0))"
        super.init(service: "agave", directory: directory, system: Self.system, otherSystem: Self.otherSystem,
                   listingPrefix: "/files/v2/listings/system/", tokenPath: "/token",
                   localURL: { emulator.localURL(system: $0, path: $1) }, requestLog: emulator.requestLog)
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
