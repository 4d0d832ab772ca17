@testable import FTS3Emulator
import Foundation
import TestSupport
import XCTest

/// Checks the emulator against the real `fts3` 3.14.2 client from PyPI: a venv is created (and reused between
/// local runs, keyed by version), `fts3_fidelity.py` drives the emulator over HTTPS with the test user's
/// certificate (including the client's own proxy delegation) and asserts in Python, and this test checks the
/// script's exit status, the bytes on the destination storage and what the emulator logged.
final class FTS3FidelityTests: XCTestCase {
    static let fts3Version = "3.14.2"
    private var fixture: FTS3EmulatorFixture!

    override func setUpWithError() throws {
        fixture = try FTS3EmulatorFixture(transferDuration: 0.5)
    }

    override func tearDownWithError() throws {
        fixture?.tearDown()
    }

    override class func tearDown() {
        SharedTestPKI.remove()
        super.tearDown()
    }

    func testRealFTS3ClientDelegatesSubmitsPollsAndCancels() throws {
        let venvPython = try Self.fts3VirtualEnv()

        let size = 3 * 1_048_576 + 17
        let source = try fixture.sourceFile("fidelity.bin", size: size, seed: 314)
        var cancelPairs: [[String]] = []
        for index in 0..<3 {
            cancelPairs.append([source.url, fixture.destinationURL("cancel/\(index).bin", scheme: "dav")])
        }
        let wrong = source.adler32 == "00000001" ? "00000002" : "00000001"
        let config: [String: Any] = [
            "endpoint": fixture.endpoint.absoluteString,
            "ucert": fixture.pki.userCertificate.path,
            "ukey": fixture.pki.userKey.path,
            "dn": fixture.pki.userDN,
            "vo": fixture.fts.configuration.voName,
            "source": source.url,
            "destination": fixture.destinationURL("fidelity/copy.bin", scheme: "dav"),
            "adler32": source.adler32,
            "size": size,
            "cancel_transfers": cancelPairs,
            "bad_destination": fixture.destinationURL("fidelity/bad.bin"),
            "wrong_adler32": wrong,
        ]
        let configFile = fixture.directory.appendingPathComponent("fidelity.json")
        try JSONSerialization.data(withJSONObject: config).write(to: configFile)
        let home = fixture.directory.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fts3_fidelity.py")
        let result = try TestProcess.run(venvPython, [script.path, configFile.path], environment: [
            "HOME": home.path,
            "X509_CERT_DIR": fixture.pki.caDirectory.path,
            // Keep the client from picking up a proxy of whoever runs the tests.
            "X509_USER_PROXY": nil, "X509_USER_CERT": nil, "X509_USER_KEY": nil,
        ])
        XCTAssertEqual(result.status, 0, "fts3 client script failed:\n\(result.output)")
        XCTAssertTrue(result.output.contains("ALL CHECKS PASSED"), result.output)

        // The bytes arrived on the destination storage.
        let copied = try Data(contentsOf: fixture.destinationFile("fidelity/copy.bin"))
        XCTAssertEqual(copied, try Data(contentsOf: fixture.rucio.storageFile(rse: "SITE_A", scope: FTS3EmulatorFixture.scope,
                                                                              name: "fidelity.bin")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.destinationFile("fidelity/bad.bin").path))

        // The client's delegation, as the emulator saw it: exactly one request and one credential upload.
        let id = FTS3Emulator.delegationID(forDN: fixture.pki.userDN)
        let log = fixture.fts.requestLog.all
        XCTAssertEqual(log.filter { $0.method == "GET" && $0.path == "/delegation/\(id)/request" }.map(\.status), [200])
        XCTAssertEqual(log.filter { $0.method == "PUT" && $0.path == "/delegation/\(id)/credential" }.map(\.status), [201])
        XCTAssertEqual(log.filter { $0.method == "POST" && $0.path == "/jobs" }.map(\.status), [200, 200, 200])
        XCTAssertFalse(log.contains { $0.status == 419 }, "the client delegated before submitting")
        XCTAssertEqual(fixture.fts.jobIDs().map { fixture.fts.jobState($0) }, ["FINISHED", "CANCELED", "FAILED"])
    }

    // MARK: - Python environment

    /// A venv with fts3 (and M2Crypto, built from source with swig against libssl) from PyPI. Reused across
    /// runs on one machine when it already imports the client. X509Tests' FTS3ClientInteropTests uses it too.
    static func fts3VirtualEnv() throws -> String {
        try PythonVenv.prepared(name: "fts3", version: fts3Version, importCheck: "import fts3.rest.client.easy, M2Crypto",
                                installs: [["fts3==\(fts3Version)"]], installHint: " (M2Crypto needs swig and libssl-dev)")
    }
}
