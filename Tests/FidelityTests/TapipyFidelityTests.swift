import Foundation
import TapisEmulator
import TestSupport
import XCTest

/// Checks the Tapis emulator against the real tapipy 25.4.0 client from PyPI: a venv is created (and reused
/// between local runs, keyed by version), `tapipy_fidelity.py` drives the emulator through tapipy on its bundled
/// specs (no network), validates every JSON reply against those specs' schemas and asserts in Python; this test
/// checks the script's exit status, the emulator's files on disk and what the emulator logged.
final class TapipyFidelityTests: XCTestCase {
    static let tapipyVersion = "25.4.0"
    private var stateDirectory: URL!
    private var emulator: TapisEmulator!

    override func setUpWithError() throws {
        stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("tapis-fidelity-\(UUID().uuidString)")
        var configuration = TapisEmulator.Configuration()
        configuration.transferStepDelay = 0.2
        emulator = try TapisEmulator(stateDirectory: stateDirectory, configuration: configuration)
    }

    override func tearDownWithError() throws {
        emulator?.stop()
        try? FileManager.default.removeItem(at: stateDirectory)
    }

    func testTapipyGetsTokensListsDownloadsUploadsManagesTransfersAndReadsJobs() throws {
        let python = try Self.tapipyVirtualEnv()
        try TapisDemoData.seed(into: emulator)
        let work = TapisDemoData.workSystem
        try Data("unicode and spaces\n".utf8).write(to: try file(work, "inputs/notes with spaces é.txt"))
        for index in 0..<30 {
            try DeterministicData.writeFile(at: try file(work, "many/f\(String(format: "%02d", index)).txt"), size: index,
                                            seed: UInt64(index))
        }
        let uploadSource = stateDirectory.appendingPathComponent("upload-source.bin")
        try DeterministicData.writeFile(at: uploadSource, size: 1_500_007, seed: 42)
        let jobs = try jobIds()
        // The script's expiry check: this listing makes the server expire every token, then answers 401.
        emulator.faults.add(method: "GET", pathPrefix: "/v3/files/ops/\(work)/expire-here", action: .expiredToken)

        try emulator.start()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("tapipy_fidelity.py")
        let home = stateDirectory.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let user = try XCTUnwrap(emulator.configuration.users.first)
        let result = try TestProcess.run(python, [
            script.path, emulator.baseURL.absoluteString, emulator.configuration.tenantId, user.key, user.value, work,
            TapisDemoData.archiveSystem, stateDirectory.path, uploadSource.path, jobs.finished, jobs.running,
        ], environment: ["HOME": home.path])
        XCTAssertEqual(result.status, 0, "tapipy script failed:\n\(result.output)")
        XCTAssertTrue(result.output.contains("ALL CHECKS PASSED"), result.output)
        // What tapipy tried to reach while loading its specs, and how many checks ran, for the test log.
        print(result.output.split(separator: "\n").suffix(2).joined(separator: "\n"))

        // The emulator's disk after the script.
        let original = try Data(contentsOf: uploadSource)
        XCTAssertEqual(try Data(contentsOf: emulator.localURL(system: work, path: "moved.bin")), original)
        XCTAssertEqual(try Data(contentsOf: emulator.localURL(system: work, path: "made/by/tapipy/inserted.bin")), original)
        XCTAssertFalse(FileManager.default.fileExists(atPath: emulator.localURL(system: work, path: "doomed").path))

        // What tapipy sent, as the emulator logged it.
        let log = emulator.requestLog.all
        XCTAssertTrue(log.contains { $0.method == "POST" && $0.path == "/v3/oauth2/tokens" && $0.status == 201 })
        XCTAssertTrue(log.contains { $0.method == "POST" && $0.path == "/v3/files/ops/\(work)/uploads/from-tapipy.bin" && $0.status == 200 })
        XCTAssertTrue(log.contains { $0.path == "/v3/files/content/\(work)/inputs/notes with spaces é.txt" && $0.status == 200 },
                      "the unicode name arrived percent-encoded and was decoded")
        XCTAssertTrue(log.contains { $0.path == "/v3/files/content/\(work)/data/stations.csv" && $0.range == "10,19" },
                      "tapipy passed the Tapis range header through")
        XCTAssertTrue(log.contains { $0.path == "/v3/files/transfers" && $0.method == "POST" && $0.status == 200 })
        XCTAssertEqual(log.filter { $0.status == 401 && $0.path.hasPrefix("/v3/files/ops/") }.count, 2,
                       "the expired token was refused, then a new grant was used")
    }

    private func file(_ system: String, _ path: String) throws -> URL {
        let url = emulator.localURL(system: system, path: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        return url
    }

    /// The demo's finished and running jobs, found by name through the emulator's own API.
    private func jobIds() throws -> (finished: String, running: String) {
        let root = stateDirectory.appendingPathComponent("jobs")
        var finished: String?, running: String?
        for uuid in try FileManager.default.contentsOfDirectory(atPath: root.path) {
            switch emulator.jobStatus(uuid: uuid) {
            case "FINISHED": finished = uuid
            case "RUNNING": running = uuid
            default: break
            }
        }
        return (try XCTUnwrap(finished), try XCTUnwrap(running))
    }

    // MARK: - Python environment

    /// A venv with tapipy from PyPI. Reused across runs on one machine when it already imports tapipy.
    static func tapipyVirtualEnv() throws -> String {
        try PythonVenv.prepared(name: "tapipy", version: tapipyVersion, importCheck: "import tapipy.tapis",
                                installs: [["tapipy==\(tapipyVersion)"]])
    }
}
