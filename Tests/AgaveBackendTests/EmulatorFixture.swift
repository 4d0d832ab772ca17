import AgaveBackend
import AgaveEmulator
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP
import XCTest

/// A running AgaveEmulator on 127.0.0.1 with one storage system, and an `AgaveBackend` logged in to it with
/// the password grant. Retries are fast so fault tests stay quick. Call `tearDown()` in the test's teardown.
final class EmulatorFixture {
    static let systemID = "data.tacc.user"
    static let clientKey = "test-client-key"
    static let clientSecret = "test-client-secret"

    let directory: URL
    let emulator: AgaveEmulator
    let baseURL: String
    let logger: Logger

    init(maxPageLimit: Int = 100) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("agave-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "test.agave")
        logger.logLevel = .warning
        self.logger = logger
        var emulatorLogger = Logger(label: "test.agave-emulator")
        emulatorLogger.logLevel = .error
        let configuration = AgaveEmulator.Configuration(clientKey: Self.clientKey, clientSecret: Self.clientSecret,
                                                        users: ["alice": "alice-password"], maxPageLimit: maxPageLimit,
                                                        defaultPageLimit: maxPageLimit, logger: emulatorLogger)
        emulator = try AgaveEmulator(stateDirectory: directory.appendingPathComponent("state"), configuration: configuration)
        try emulator.addSystem(id: Self.systemID, name: "TACC data", description: "test storage")
        let port = try emulator.start(port: 0)
        baseURL = "http://127.0.0.1:\(port)"
    }

    func tearDown() {
        emulator.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    static let fastRetry = RetryPolicy(maxRetries: 3, initialDelay: 0.01, multiplier: 2, maxDelay: 0.05, jitter: 0.1)

    func configuration(pageSize: Int = 100, retry: RetryPolicy = EmulatorFixture.fastRetry) -> AgaveConfiguration {
        AgaveConfiguration(name: "agave", baseURL: baseURL, apiKey: Self.clientKey, apiSecret: Self.clientSecret,
                           username: "alice", password: "alice-password", pageSize: pageSize, retry: retry)
    }

    func backend(pageSize: Int = 100, retry: RetryPolicy = EmulatorFixture.fastRetry) -> AgaveBackend {
        AgaveBackend(configuration: configuration(pageSize: pageSize, retry: retry), logger: logger)
    }

    /// Creates a file directly in the emulator's storage (bypassing the API), returning its bytes.
    @discardableResult
    func putFile(_ path: String, _ data: Data) throws -> Data {
        let url = emulator.localURL(system: Self.systemID, path: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return data
    }

    func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(at: emulator.localURL(system: Self.systemID, path: path),
                                                withIntermediateDirectories: true)
    }

    func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: emulator.localURL(system: Self.systemID, path: path).path)
    }

    func localData(_ path: String) throws -> Data {
        try Data(contentsOf: emulator.localURL(system: Self.systemID, path: path))
    }

    /// A mount path under this fixture's system: `systems/<id>/a/b`.
    static func path(_ relative: String) -> RemotePath {
        RemotePath(["systems", systemID] + RemotePath(string: relative).components)
    }

    /// Deterministic, non-repeating-looking bytes so an offset error shows up as a mismatch.
    static func pattern(_ count: Int) -> Data {
        var generator = UInt32(2463534242)
        return Data((0..<count).map { _ in
            generator ^= generator << 13
            generator ^= generator >> 17
            generator ^= generator << 5
            return UInt8(truncatingIfNeeded: generator)
        })
    }
}

extension AgaveBackend {
    /// Reads a range into memory (test convenience).
    func readData(_ path: RemotePath, offset: UInt64, length: UInt64) throws -> Data {
        var out = Data()
        try read(path, offset: offset, length: length) { out.append(contentsOf: $0) }
        return out
    }
}

/// Asserts that `body` throws exactly `expected`.
func XCTAssertThrowsFSError<T>(_ expected: FSError, _ body: @autoclosure () throws -> T,
                                file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        XCTAssertEqual(error as? FSError, expected, "got \(error)", file: file, line: line)
    }
}

/// Asserts that `body` throws `FSError.io` (any reason).
func XCTAssertThrowsIO<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard case .io? = error as? FSError else {
            return XCTFail("expected FSError.io, got \(error)", file: file, line: line)
        }
    }
}
