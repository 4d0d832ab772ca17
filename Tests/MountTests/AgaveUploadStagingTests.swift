import AgaveEmulator
import Foundation
import XCTest

/// Agave answers an upload with 202 and stages it onto the storage system later (docs/protocols/agave.md §4.4), as
/// the emulator now does: `cp` into the mount returns only once the upload has landed, and an upload whose
/// staging fails (`STAGING_FAILED`) fails `cp` with EIO and the service's reason, keeping the bytes for a retry.
final class AgaveUploadStagingTests: XCTestCase {
    private var fixture: MountFixture!

    override func setUpWithError() throws {
        fixture = try MountFixture()
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    func testCpReturnsOnceTheUploadHasLandedWithTheSameBytes() throws {
        try FileManager.default.createDirectory(at: fixture.serverFile("inbox"), withIntermediateDirectories: true)
        let local = fixture.root.appendingPathComponent("measurements.bin")
        try DeterministicData.writeFile(at: local, size: (3 << 20) + 5, seed: 41)
        fixture.emulator.uploads.delay = 1.5
        try fixture.mount()

        let cp = fixture.run("cp", [local.path, fixture.path("inbox/")])

        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertEqual(fixture.run("cmp", [local.path, fixture.serverFile("inbox/measurements.bin").path]).status, 0,
                       "when cp returned, the server's copy had every byte")
        XCTAssertFalse(fixture.emulator.requestLog.entries(method: "GET", pathPrefix: "/files/v2/history/system/\(MountFixture.system)/inbox")
                        .isEmpty, "the upload was followed through the file's history")
        XCTAssertEqual(fixture.run("cmp", [local.path, fixture.path("inbox/measurements.bin")]).status, 0,
                       "and the mount reads the same bytes back")
    }

    func testAnUploadWhoseStagingFailsFailsCpWithEIOAndKeepsTheBytes() throws {
        try FileManager.default.createDirectory(at: fixture.serverFile("inbox"), withIntermediateDirectories: true)
        let local = fixture.root.appendingPathComponent("results.csv")
        try Data("precious,results\n5,6\n".utf8).write(to: local)
        fixture.emulator.uploads.failStaging(whosePathContains: "inbox/results")
        try fixture.mount()

        let cp = fixture.run("cp", [local.path, fixture.path("inbox/")], timeout: 60)

        XCTAssertNotEqual(cp.status, 0, "a STAGING_FAILED upload fails cp")
        XCTAssertTrue(cp.stderr.contains("Input/output error"), cp.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.serverFile("inbox/results.csv").path))
        let logged = fixture.log.split(separator: "\n").filter { $0.contains("STAGING_FAILED") }
        XCTAssertTrue(logged.contains { $0.contains("refused the transfer") }, "the log line names the service's reason:\n\(fixture.log.suffix(3000))")

        let sciencefs = MountFixture.binary.path
        let list = fixture.run(sciencefs, ["uploads", "--config", fixture.configURL.path, fixture.mountpoint.path])
        XCTAssertEqual(list.status, 0, list.stderr)
        let line = try XCTUnwrap(list.lines.first { $0.hasSuffix(fixture.path("inbox/results.csv")) }, list.text)
        XCTAssertTrue(line.contains("failed") && line.contains(" 21 "), "kept, with the size of the bytes: \(line)")
        XCTAssertTrue(list.text.contains("STAGING_FAILED"), "the service's refusal is shown: \(list.text)")

        fixture.emulator.uploads.removeAllFailures()
        let id = try XCTUnwrap(line.split(separator: " ").first.map(String.init))
        let retry = fixture.run(sciencefs, ["uploads", "retry", "--config", fixture.configURL.path, id])
        XCTAssertEqual(retry.status, 0, retry.stderr)
        XCTAssertEqual(try Data(contentsOf: fixture.serverFile("inbox/results.csv")), try Data(contentsOf: local),
                       "the kept bytes reached the server once staging works again")
    }
}
