import AgaveEmulator
import Foundation
import XCTest

/// `cp` inside the mount: GNU cp calls copy_file_range, which becomes a server-side copy when the service can do
/// one (here: Agave's files `copy` action on the same system), and streams otherwise.
final class ServerSideCopyTests: XCTestCase {
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

    func testCpWithinOneAgaveSystemIsAServerSideCopy() throws {
        try DeterministicData.writeFile(at: fixture.serverFile("src/big.bin"), size: 8 << 20, seed: 3)
        try FileManager.default.createDirectory(at: fixture.serverFile("dst"), withIntermediateDirectories: true)
        try fixture.mount()
        XCTAssertEqual(fixture.run("ls", [fixture.path("dst")]).status, 0)
        fixture.emulator.requestLog.clear()
        let cp = fixture.run("cp", [fixture.path("src/big.bin"), fixture.path("dst/copy.bin")])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertEqual(fixture.run("cmp", [fixture.serverFile("src/big.bin").path, fixture.serverFile("dst/copy.bin").path]).status, 0,
                       "the server made an identical copy")
        let requests = fixture.emulator.requestLog.all
        XCTAssertTrue(requests.contains { $0.method == "PUT" && $0.path.hasSuffix("/src/big.bin") }, "one copy action")
        let downloaded = requests.filter { $0.method == "GET" && $0.path.hasPrefix("/files/v2/media/") }.reduce(0) { $0 + $1.bytesSent }
        let uploads = requests.filter { $0.method == "POST" && $0.path.hasPrefix("/files/v2/media/") }
        XCTAssertEqual(downloaded, 0, "no payload byte came through this machine")
        XCTAssertTrue(uploads.isEmpty, "and none went back up: \(uploads)")
        XCTAssertEqual(fixture.run("stat", ["-c", "%s", fixture.path("dst/copy.bin")]).text, "\(8 << 20)\n")
        XCTAssertTrue(fixture.log.contains("server-side copy"), fixture.log.suffix(1500).description)
    }

    func testCpAcrossAgaveSystemsIsAnImportShownInTransfers() throws {
        try DeterministicData.writeFile(at: fixture.serverFile("a b.bin"), size: 1 << 20, seed: 4)
        try FileManager.default.createDirectory(at: fixture.serverFile("in", system: MountFixture.otherSystem), withIntermediateDirectories: true)
        try fixture.mount()
        fixture.emulator.requestLog.clear()
        let cp = fixture.run("cp", [fixture.path("a b.bin"), fixture.path("in/a b.bin", system: MountFixture.otherSystem)])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertEqual(fixture.run("cmp", [fixture.serverFile("a b.bin").path,
                                           fixture.serverFile("in/a b.bin", system: MountFixture.otherSystem).path]).status, 0)
        let requests = fixture.emulator.requestLog.all
        XCTAssertEqual(requests.filter { $0.method == "GET" && $0.path.hasPrefix("/files/v2/media/") }.reduce(0) { $0 + $1.bytesSent }, 0,
                       "no payload byte came through this machine")
        XCTAssertEqual(requests.filter { $0.method == "POST" && $0.path.hasPrefix("/files/v2/media/system/\(MountFixture.otherSystem)") }.count, 1,
                       "one import request")
        let transfers = fixture.run("ls", [fixture.mountpoint.appendingPathComponent(".sciencefs/transfers").path])
        XCTAssertEqual(transfers.lines.count, 1, transfers.text + transfers.stderr)
        let record = fixture.run("cat", [fixture.mountpoint.appendingPathComponent(".sciencefs/transfers/\(transfers.lines.first ?? "")").path])
        XCTAssertTrue(record.text.contains("\"state\" : \"STAGING_COMPLETED\"") && record.text.contains("agave-import"), record.text)
    }

    /// The emulator stages imports after replying, as Agave does: `cp` must wait for the import itself, not for a
    /// file of the right size (here one is already there, with other bytes).
    func testAnImportIsFollowedByItsStatusNotByTheDestinationsSize() throws {
        try DeterministicData.writeFile(at: fixture.serverFile("fresh.bin"), size: 1 << 20, seed: 5)
        try fixture.writeServerFile("in/fresh.bin", Data(count: 1 << 20), system: MountFixture.otherSystem)
        fixture.emulator.imports.delay = 1.5
        try fixture.mount()
        let cp = fixture.run("cp", [fixture.path("fresh.bin"), fixture.path("in/fresh.bin", system: MountFixture.otherSystem)])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertEqual(fixture.run("cmp", [fixture.serverFile("fresh.bin").path,
                                           fixture.serverFile("in/fresh.bin", system: MountFixture.otherSystem).path]).status, 0,
                       "cp returned after the import landed, not when a file of that size was there")
        XCTAssertTrue(fixture.emulator.requestLog.all.contains { $0.path.hasPrefix("/files/v2/history/system/\(MountFixture.otherSystem)") },
                      "the import's progress was read from the history")
    }

    func testAFailedImportFailsCpPromptlyWithTheReason() throws {
        try DeterministicData.writeFile(at: fixture.serverFile("doomed.bin"), size: 1 << 20, seed: 6)
        try FileManager.default.createDirectory(at: fixture.serverFile("in", system: MountFixture.otherSystem), withIntermediateDirectories: true)
        fixture.emulator.imports.failStaging(whosePathContains: "doomed")
        try fixture.mount()
        let cp = fixture.run("cp", [fixture.path("doomed.bin"), fixture.path("in/doomed.bin", system: MountFixture.otherSystem)],
                             timeout: 60)
        XCTAssertNotEqual(cp.status, 0, "a STAGING_FAILED import fails cp")
        XCTAssertTrue(cp.stderr.contains("Input/output error"), cp.stderr)
        XCTAssertTrue(fixture.log.contains("STAGING_FAILED"), "the log says why")
        let transfers = fixture.run("ls", [fixture.mountpoint.appendingPathComponent(".sciencefs/transfers").path])
        let record = fixture.run("cat", [fixture.mountpoint.appendingPathComponent(".sciencefs/transfers/\(transfers.lines.first ?? "")").path])
        XCTAssertTrue(record.text.contains("\"state\" : \"STAGING_FAILED\""), record.text)
        XCTAssertNotEqual(fixture.run("cmp", [fixture.serverFile("doomed.bin").path,
                                              fixture.serverFile("in/doomed.bin", system: MountFixture.otherSystem).path]).status, 0)
    }

    func testCpToAnotherSourceFallsBackToStreamingWithIdenticalBytes() throws {
        fixture.tearDown()
        fixture = try MountFixture(withRucio: true)
        let rucio = try XCTUnwrap(fixture.rucio)
        try rucio.addScope("user.alice", account: "alice")
        try rucio.addCollection(scope: "user.alice", name: "ds", type: .dataset)
        try DeterministicData.writeFile(at: fixture.serverFile("a.bin"), size: 1 << 20, seed: 4)
        try fixture.mount()
        let cp = fixture.run("cp", [fixture.path("a.bin"), fixture.rucioPath("user.alice/ds/")])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertEqual(fixture.run("cmp", [fixture.serverFile("a.bin").path,
                                           rucio.storageFile(rse: "SITE_A", scope: "user.alice", name: "a.bin").path]).status, 0,
                       "streamed through the machine and uploaded to Rucio")
    }
}
