import AgaveEmulator
import Foundation
import TestSupport
import XCTest

/// Checks the emulator against the real agavepy 0.9.5 client from PyPI: a venv is created (and reused between
/// local runs, keyed by version), `agavepy_fidelity.py` drives the emulator and asserts in Python, and this test
/// checks the script's exit status and the emulator's files on disk.
final class AgavepyFidelityTests: XCTestCase {
    static let agavepyVersion = "0.9.5"
    static let tokenLifetime: TimeInterval = 3
    private var stateDirectory: URL!
    private var emulator: AgaveEmulator!

    override func setUpWithError() throws {
        stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("agave-fidelity-\(UUID().uuidString)")
        var configuration = AgaveEmulator.Configuration()
        configuration.tokenLifetime = Self.tokenLifetime
        emulator = try AgaveEmulator(stateDirectory: stateDirectory, configuration: configuration)
    }

    override func tearDownWithError() throws {
        emulator?.stop()
        try? FileManager.default.removeItem(at: stateDirectory)
    }

    func testAgavepyListsDownloadsUploadsManagesAndRefreshes() throws {
        let venvPython = try Self.agavepyVirtualEnv()

        let system = "fidelity.storage"
        try emulator.addSystem(id: system, name: "Fidelity", description: "agavepy fidelity fixture", isDefault: true)
        try DeterministicData.writeFile(at: emulator.localURL(system: system, path: "inputs/data.bin"), size: 300_001, seed: 7)
        try Data("unicode and spaces\n".utf8).write(to: emulator.localURL(system: system, path: "inputs/notes with spaces é.txt"))
        for index in 0..<250 {
            try DeterministicData.writeFile(at: emulator.localURL(system: system, path: "many/f\(index).txt"), size: index, seed: UInt64(index))
        }
        try FileManager.default.createDirectory(at: emulator.localURL(system: system, path: "uploads"), withIntermediateDirectories: true)
        let uploadSource = stateDirectory.appendingPathComponent("upload-source.bin")
        try DeterministicData.writeFile(at: uploadSource, size: 2_000_003, seed: 99)

        try emulator.start()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("agavepy_fidelity.py")
        let home = stateDirectory.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let config = emulator.configuration
        let user = try XCTUnwrap(config.users.first)
        let result = try TestProcess.run(venvPython, [script.path, emulator.baseURL.absoluteString, config.clientKey, config.clientSecret,
                                                      user.key, user.value, system, stateDirectory.path],
                                         environment: ["HOME": home.path, "FIDELITY_TOKEN_LIFETIME": "\(Int(Self.tokenLifetime))"])
        XCTAssertEqual(result.status, 0, "agavepy script failed:\n\(result.output)")
        XCTAssertTrue(result.output.contains("ALL CHECKS PASSED"), result.output)

        // The emulator's disk state after the script.
        let uploaded = try Data(contentsOf: emulator.localURL(system: system, path: "uploads/upload-source.bin"))
        XCTAssertEqual(uploaded, try Data(contentsOf: uploadSource))
        let original = try Data(contentsOf: emulator.localURL(system: system, path: "inputs/data.bin"))
        XCTAssertEqual(try Data(contentsOf: emulator.localURL(system: system, path: "moved.bin")), original)
        XCTAssertEqual(try Data(contentsOf: emulator.localURL(system: system, path: "uploads/made by agavepy/copy.bin")), original)
        XCTAssertFalse(FileManager.default.fileExists(atPath: emulator.localURL(system: system, path: "uploads/renamed.bin").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: emulator.localURL(system: system, path: "uploads/doomed").path))

        // What agavepy sent, as the emulator logged it.
        let log = emulator.requestLog.all
        XCTAssertTrue(log.contains { $0.method == "POST" && $0.path == "/files/v2/media/system/\(system)/uploads" && $0.status == 202 })
        XCTAssertTrue(log.contains { $0.path == "/files/v2/media/system/\(system)/inputs/notes with spaces é.txt" && $0.status == 200 },
                      "the unicode name arrived percent-encoded and was decoded")
        XCTAssertTrue(log.contains { $0.status == 401 }, "the expired token was refused once")
        XCTAssertGreaterThanOrEqual(log.filter { $0.path == "/token" && $0.status == 200 }.count, 2, "password grant plus a refresh")
    }

    // MARK: - Python environment

    /// A venv with agavepy from PyPI. Reused across runs on one machine when it already imports agavepy.
    static func agavepyVirtualEnv() throws -> String {
        try PythonVenv.prepared(name: "agavepy", version: agavepyVersion, importCheck: "import agavepy.agave",
                                installs: [["agavepy==\(agavepyVersion)"]])
    }
}
