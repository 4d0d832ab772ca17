@testable import FTS3Client
import Foundation
import FTS3Emulator
import Logging
import RucioEmulator
import SciencefsCore
import SciencefsHTTP
import SciencefsX509
import XCTest

/// A running FTS3 emulator (HTTPS behind nginx, client certificates checked against a test CA) and a Rucio
/// emulator whose RSE storage listeners (SITE_A, SITE_B) serve as the source and destination of copies.
/// Everything is fresh per fixture (no delegation on the server yet). Call `tearDown()`.
final class FTS3EmulatorFixture {
    static let scope = "user.alice"
    static let tokenUserDN = "/DC=org/DC=sciencefs-test/O=Test/CN=Token User"
    static let token = "fts3-test-access-token-\(UUID().uuidString)"

    let directory: URL
    let pki: TestPKI
    let fts: FTS3Emulator
    let endpoint: URL
    let rucio: RucioEmulator
    let logger: Logger

    init(transferDuration: TimeInterval = 0.3) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fts3-client-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "test.fts3-client")
        logger.logLevel = .critical
        self.logger = logger
        pki = try TestPKI.create(in: directory.appendingPathComponent("pki"))
        fts = try FTS3Emulator(stateDirectory: directory.appendingPathComponent("fts3"), pki: pki,
                               configuration: FTS3Emulator.Configuration(transferDuration: transferDuration,
                                                                         bearerTokens: [Self.token: Self.tokenUserDN]),
                               logger: logger)
        var rucioConfiguration = RucioEmulator.Configuration()
        rucioConfiguration.logger = logger
        rucio = try RucioEmulator(stateDirectory: directory.appendingPathComponent("rucio"), configuration: rucioConfiguration)
        do {
            endpoint = try fts.start()
            _ = try rucio.start()
            try rucio.addScope(Self.scope, account: "alice")
        } catch {
            fts.stop()
            rucio.stop()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    func tearDown() {
        fts.stop()
        rucio.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    static let fastRetry = RetryPolicy(maxRetries: 1, initialDelay: 0.01, multiplier: 2, maxDelay: 0.05, jitter: 0)

    func configuration(_ credential: FTS3Configuration.Credential, caBundle: Bool = true) -> FTS3Configuration {
        var configuration = FTS3Configuration(endpoint: endpoint, credential: credential,
                                              caBundle: caBundle ? pki.caCertificate.path : nil,
                                              caDirectory: caBundle ? nil : pki.caDirectory.path)
        configuration.retry = Self.fastRetry
        configuration.connectTimeout = 5
        configuration.requestTimeout = 30
        return configuration
    }

    func certificateClient() throws -> FTS3Client {
        try FTS3Client(configuration: configuration(.certificate(cert: pki.userCertificate.path, key: pki.userKey.path)),
                       logger: logger)
    }

    func tokenClient() throws -> FTS3Client {
        try FTS3Client(configuration: configuration(.bearer(token: Self.token)), logger: logger)
    }

    /// Puts `data` on SITE_A as `name` and returns the transfer to `copy-of-<name>` on SITE_B.
    func transfer(_ name: String, data: Data, checksum: Bool = true) throws -> TransferFile {
        try rucio.addFile(scope: Self.scope, name: name, data: data, rses: ["SITE_A"])
        let source = try XCTUnwrap(rucio.pfn(rse: "SITE_A", scope: Self.scope, name: name))
        let destination = try XCTUnwrap(rucio.pfn(rse: "SITE_B", scope: Self.scope, name: "copy-of-\(name)"))
        return TransferFile(source: source, destination: destination, adler32: checksum ? Self.adler32(data) : nil,
                            size: UInt64(data.count), metadata: ["test": name])
    }

    func copiedBytes(_ name: String) -> Data? {
        try? Data(contentsOf: rucio.storageFile(rse: "SITE_B", scope: Self.scope, name: "copy-of-\(name)"))
    }

    /// API requests (method, normalised path) seen by the FTS3 emulator since the last `clearLog()`.
    func requests() -> [(method: String, path: String, status: Int)] {
        fts.requestLog.all.map { ($0.method, $0.path, $0.status) }
    }

    func credentialUploads() -> Int {
        requests().filter { $0.method == "PUT" && $0.path.hasPrefix("/delegation/") && $0.path.hasSuffix("/credential") }.count
    }

    /// Polls `status(of:)` until the job ends (or `timeout` passes) and returns the last status seen.
    func waitUntilTerminal(_ client: FTS3Client, _ jobID: String, timeout: TimeInterval = 30) throws -> TransferJobStatus {
        let deadline = Date().addingTimeInterval(timeout)
        var status = try client.status(of: jobID)
        while !status.state.isTerminal, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            status = try client.status(of: jobID)
        }
        return status
    }

    static func adler32(_ data: Data) -> String {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return String(format: "%08x", (b << 16) | a)
    }

    static func pattern(_ count: Int, seed: UInt32 = 2463534242) -> Data {
        var generator = seed
        return Data((0..<count).map { _ in
            generator ^= generator << 13
            generator ^= generator >> 17
            generator ^= generator << 5
            return UInt8(truncatingIfNeeded: generator)
        })
    }
}

/// Every log line (message and metadata) a logger produced, for checking what never appears in logs.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    var lines: [String] { lock.withLock { stored } }
    func append(_ line: String) { lock.withLock { stored.append(line) } }
}

struct CapturingLogHandler: LogHandler {
    let log: CapturedLog
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        log.append("\(event.level) \(event.message) \(merged.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))")
    }
}
