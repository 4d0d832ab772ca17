@testable import RucioBackend
import Foundation
import Logging
import RucioEmulator
import SciencefsCore
import SciencefsHTTP
import XCTest

/// A running RucioEmulator on 127.0.0.1 (API plus one storage listener per RSE, SITE_A and SITE_B) with the
/// scope `user.alice`, and `RucioBackend`s logged in to it with userpass. Call `tearDown()` in the test's teardown.
final class RucioEmulatorFixture {
    static let scope = "user.alice"
    let directory: URL
    let emulator: RucioEmulator
    let logger: Logger

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rucio-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "test.rucio")
        logger.logLevel = .critical
        self.logger = logger
        var configuration = RucioEmulator.Configuration()
        var emulatorLogger = Logger(label: "test.rucio-emulator")
        emulatorLogger.logLevel = .error
        configuration.logger = emulatorLogger
        emulator = try RucioEmulator(stateDirectory: directory.appendingPathComponent("state"), configuration: configuration)
        _ = try emulator.start()
        try emulator.addScope(Self.scope, account: "alice")
    }

    func tearDown() {
        emulator.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    static let fastRetry = RetryPolicy(maxRetries: 2, initialDelay: 0.01, multiplier: 2, maxDelay: 0.05, jitter: 0.1)

    func configuration(preferredRSEs: [String] = [], uploadRSE: String? = "SITE_A") -> RucioConfiguration {
        RucioConfiguration(name: "rucio", rucioHost: emulator.baseURL.absoluteString, account: "alice",
                           credentials: .userpass(username: "alice", password: "alice-password"),
                           uploadRSE: uploadRSE, preferredRSEs: preferredRSEs, containerSuffix: ".cont",
                           connectTimeout: 2, retry: Self.fastRetry, storageRetry: .none)
    }

    /// A backend with the Core's fact store attached, as a mount has it (replica lists are kept there).
    func backend(preferredRSEs: [String] = [], uploadRSE: String? = "SITE_A") -> RucioBackend {
        let configuration = configuration(preferredRSEs: preferredRSEs, uploadRSE: uploadRSE)
        let backend = RucioBackend(configuration: configuration, logger: logger)
        backend.attach(NodeFacts(source: configuration.name, policy: configuration.cachePolicy))
        return backend
    }

    /// API requests other than logins, since the last `clear()`.
    func apiRequests() -> [(method: String, path: String, status: Int)] {
        emulator.requestLog.all.filter { $0.listener == "api" && !$0.path.hasPrefix("/auth/") }
            .map { ($0.method, $0.path, $0.status) }
    }

    func storageRequests(rse: String) -> [(method: String, path: String, range: String?, status: Int)] {
        emulator.requestLog.all.filter { $0.listener == rse }.map { ($0.method, $0.path, $0.range, $0.status) }
    }

    static func path(_ components: String...) -> RemotePath { RemotePath([scope] + components) }

    /// Deterministic, non-repeating-looking bytes so an offset error shows up as a mismatch.
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

extension RucioBackend {
    func readData(_ path: RemotePath, offset: UInt64 = 0, length: UInt64 = UInt64.max / 2) throws -> Data {
        var out = Data()
        _ = try read(path, offset: offset, length: length) { out.append(contentsOf: $0) }
        return out
    }
}

func XCTAssertThrowsFSError<T>(_ expected: FSError, _ body: @autoclosure () throws -> T,
                               file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        XCTAssertEqual(error as? FSError, expected, "got \(error)", file: file, line: line)
    }
}

func XCTAssertThrowsIO<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard case .io? = error as? FSError else { return XCTFail("expected FSError.io, got \(error)", file: file, line: line) }
    }
}
