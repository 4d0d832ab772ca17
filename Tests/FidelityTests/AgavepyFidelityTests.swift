import AgaveEmulator
import Foundation
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
        guard let python = Self.which("python3") else { throw XCTSkip("python3 is not installed") }
        let venvPython = try Self.agavepyVirtualEnv(basePython: python)

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
        let result = try Self.run(venvPython, [script.path, emulator.baseURL.absoluteString, config.clientKey, config.clientSecret,
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
    static func agavepyVirtualEnv(basePython: String) throws -> String {
        let venv = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-agavepy-\(agavepyVersion)-venv")
        let python = venv.appendingPathComponent("bin/python").path
        if FileManager.default.isExecutableFile(atPath: python),
           (try? run(python, ["-c", "import agavepy.agave"]))?.status == 0 {
            return python
        }
        try? FileManager.default.removeItem(at: venv)
        let created = try run(basePython, ["-m", "venv", venv.path])
        guard created.status == 0 else { throw XCTSkip("python3 -m venv is unavailable: \(created.output)") }
        let installed = try run(python, ["-m", "pip", "install", "--quiet", "agavepy==\(agavepyVersion)"])
        XCTAssertEqual(installed.status, 0, "pip install agavepy failed:\n\(installed.output)")
        return python
    }

    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs a program to completion, returning its exit status and combined output.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("fidelity-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: outputFile)
        defer { try? FileManager.default.removeItem(at: outputFile) }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        return (process.terminationStatus, output)
    }
}
