import AgaveEmulator
import FTS3Emulator
import Foundation
import XCTest

/// Copies between sources inside the mount become FTS3 jobs: `cp` (copy_file_range) makes one job per file and waits
/// for it; `sciencefs cp -r` makes one job for a whole tree, with progress; jobs are journaled, so a restarted daemon
/// still follows them; a failed job fails the copy with its reason; Ctrl-C cancels.
final class FTS3CopyTests: XCTestCase {
    private var fixture: FTS3MountFixture!

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 5000 chars) ---\n\(fixture.mount.log.suffix(5000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    private func dst(_ relative: String) -> String { fixture.mount.path(relative) }
    private func src(_ name: String) -> String {
        fixture.mount.rucioPath("\(FTS3MountFixture.scope)/\(FTS3MountFixture.dataset)/\(name)")
    }

    func testCpOfA50MiBFileFromRucioToAgaveIsOneFTSJobAndNoPayloadPassesThroughTheClient() throws {
        fixture = try FTS3MountFixture()
        let size = 50 << 20
        try fixture.addRucioFile("big.bin", size: size, seed: 50)
        try FileManager.default.createDirectory(at: fixture.mount.serverFile("in"), withIntermediateDirectories: true)
        try fixture.mount.mount()
        XCTAssertEqual(fixture.mount.run("ls", [dst("in"), src("")]).status, 0)
        fixture.mount.emulator.requestLog.clear()
        fixture.rucio.requestLog.clear()

        let cp = fixture.mount.run("cp", [src("big.bin"), dst("in/big.bin")])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertEqual(fixture.mount.run("cmp", [fixture.rucioFile("big.bin").path, fixture.mount.serverFile("in/big.bin").path]).status, 0,
                       "the bytes arrived identical")
        XCTAssertEqual(fixture.fts.jobIDs().count, 1, "exactly one FTS job")
        XCTAssertEqual(fixture.fts.bytesCopied, UInt64(size), "the FTS server moved the payload")
        XCTAssertEqual(fixture.rucioStorageBytesSent, size, "the source storage sent the file once: to the FTS server, not to us")
        XCTAssertEqual(fixture.agaveAPIPayloadRequests, [], "nothing was downloaded or uploaded through Agave's API")
        XCTAssertEqual(fixture.mount.run("stat", ["-c", "%s", dst("in/big.bin")]).text, "\(size)\n")
        XCTAssertEqual(fixture.mount.run("cmp", [src("big.bin"), dst("in/big.bin")]).status, 0, "and read back through the mount")

        let jobID = try XCTUnwrap(fixture.fts.jobIDs().first)
        let document = try XCTUnwrap(fixture.ftsTransferDocuments()["fts3-\(jobID).json"], "the job is in .sciencefs/transfers")
        XCTAssertTrue(document.contains("\"state\" : \"FINISHED\""), document)
        let xattr = fixture.mount.run("getfattr", ["--only-values", "-n", "user.sciencefs.transfer_id", dst("in/big.bin")])
        XCTAssertEqual(xattr.text, jobID, xattr.stderr)
        XCTAssertTrue(fixture.mount.log.contains("transfer job submitted"), String(fixture.mount.log.suffix(2000)))
    }

    func testSciencefsCpRecursiveIsOneJobWithManyFilesAndShowsProgress() throws {
        fixture = try FTS3MountFixture()
        let names = ["a.bin", "b.bin", "c.bin", "d.bin"]
        for (i, name) in names.enumerated() { try fixture.addRucioFile(name, size: (i + 1) * 300_000, seed: UInt64(i)) }
        try fixture.mount.mount()
        let cp = fixture.mount.run(MountFixture.binary.path, ["cp", "-r", "--config", fixture.mount.configURL.path,
                                                              src(""), dst("")])
        XCTAssertEqual(cp.status, 0, cp.text + cp.stderr)
        XCTAssertEqual(fixture.fts.jobIDs().count, 1, "one job for the whole dataset")
        let jobID = try XCTUnwrap(fixture.fts.jobIDs().first)
        XCTAssertTrue(cp.text.contains("fts3 \(jobID)") && cp.text.contains("4/4 files") && cp.text.contains("FINISHED"),
                      "progress per job: \(cp.text)")
        for name in names {
            XCTAssertEqual(fixture.mount.run("cmp", [fixture.rucioFile(name).path,
                                                     fixture.mount.serverFile("\(FTS3MountFixture.dataset)/\(name)").path]).status, 0, name)
        }
        XCTAssertEqual(fixture.agaveAPIPayloadRequests, [])
        // The daemon refreshes the destination directory once the job has ended.
        var listing = ""
        for _ in 0..<50 {
            listing = fixture.mount.run("ls", [dst(FTS3MountFixture.dataset)]).text
            if listing.split(separator: "\n").count == names.count { break }
            usleep(200_000)
        }
        XCTAssertEqual(listing.split(separator: "\n").map(String.init), names)
        let status = fixture.mount.run(MountFixture.binary.path, ["status", "--config", fixture.mount.configURL.path,
                                                                  fixture.mount.mountpoint.path])
        XCTAssertTrue(status.text.contains("transfers:") && status.text.contains("1 finished"), status.text + status.stderr)
    }

    func testAFailingTransferFailsCpWithTheReasonInTheLog() throws {
        fixture = try FTS3MountFixture()
        try fixture.addRucioFile("bad.bin", size: 100_000, seed: 9)
        try fixture.mount.mount()
        fixture.fts.failFiles(matching: "bad.bin", reason: "DESTINATION injected storage failure")
        let cp = fixture.mount.run("cp", [src("bad.bin"), dst("bad.bin")])
        XCTAssertNotEqual(cp.status, 0, "cp must fail")
        XCTAssertTrue(cp.stderr.contains("Input/output error"), cp.stderr)
        XCTAssertTrue(fixture.mount.log.contains("cause=server-side copy") && fixture.mount.log.contains("injected storage failure"),
                      String(fixture.mount.log.suffix(3000)))

        let tool = fixture.mount.run(MountFixture.binary.path, ["cp", "--config", fixture.mount.configURL.path,
                                                                src("bad.bin"), dst("bad2.bin")])
        XCTAssertEqual(tool.status, 1, tool.text + tool.stderr)
        XCTAssertTrue(tool.stderr.contains("injected storage failure"), tool.stderr)
    }

    func testCtrlCCancelsTheJobsSciencefsCpSubmitted() throws {
        fixture = try FTS3MountFixture(transferDuration: 30)
        try fixture.addRucioFile("slow.bin", size: 200_000, seed: 1)
        try fixture.mount.mount()
        let process = Process()
        process.executableURL = MountFixture.binary
        process.arguments = ["cp", "--config", fixture.mount.configURL.path, src("slow.bin"), dst("slow.bin")]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        var jobID: String?
        for _ in 0..<100 where jobID == nil {
            jobID = fixture.fts.jobIDs().first
            usleep(100_000)
        }
        let id = try XCTUnwrap(jobID, "sciencefs cp submitted a job")
        usleep(500_000)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 130, output)
        XCTAssertEqual(fixture.fts.jobState(id), "CANCELED", output)
        XCTAssertTrue(output.contains("CANCELED") || output.contains("interrupted"), output)
    }

    func testADaemonKilledMidTransferStillReportsTheJobToCompletion() throws {
        fixture = try FTS3MountFixture(transferDuration: 4)
        try fixture.addRucioFile("survivor.bin", size: 1 << 20, seed: 7)
        try fixture.mount.mount()
        let cp = Process()
        cp.executableURL = URL(fileURLWithPath: "/bin/cp")
        cp.arguments = [src("survivor.bin"), dst("survivor.bin")]
        cp.standardError = FileHandle.nullDevice
        try cp.run()
        var jobID: String?
        for _ in 0..<100 where jobID == nil {
            jobID = fixture.fts.jobIDs().first
            usleep(100_000)
        }
        let id = try XCTUnwrap(jobID)
        // While the job runs, the destination says which job fills it.
        var state = ""
        for _ in 0..<20 {
            state = fixture.mount.run("getfattr", ["--only-values", "-n", "user.sciencefs.transfer_state", dst("survivor.bin")]).text
            if state == "ACTIVE" { break }
            usleep(100_000)
        }
        XCTAssertTrue(["SUBMITTED", "ACTIVE"].contains(state), "in-flight state: \(state)")

        let daemon = try XCTUnwrap(fixture.mount.process)
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        fixture.mount.run("fusermount3", ["-uz", fixture.mount.mountpoint.path])
        cp.waitUntilExit()
        XCTAssertEqual(fixture.fts.jobState(id).map { ["SUBMITTED", "ACTIVE"].contains($0) }, true, "the job outlived the daemon")

        try fixture.mount.mount()
        var document = ""
        for _ in 0..<100 {
            document = fixture.ftsTransferDocuments()["fts3-\(id).json"] ?? ""
            if document.contains("\"state\" : \"FINISHED\"") { break }
            usleep(200_000)
        }
        XCTAssertTrue(document.contains("\"state\" : \"FINISHED\""), "the restarted daemon followed the job: \(document)")
        XCTAssertEqual(fixture.mount.run("cmp", [fixture.rucioFile("survivor.bin").path, fixture.mount.serverFile("survivor.bin").path]).status, 0)
        XCTAssertEqual(fixture.mount.run("cmp", [src("survivor.bin"), dst("survivor.bin")]).status, 0, "visible in the mount")
    }

    func testAnFTS3ServerWhoseCAIsNotConfiguredIsRefusedWithAClearMessage() throws {
        fixture = try FTS3MountFixture(trustCA: false)
        try fixture.addRucioFile("f.bin", size: 10_000, seed: 2)
        try fixture.mount.mount()
        let cp = fixture.mount.run("cp", [src("f.bin"), dst("f.bin")])
        XCTAssertNotEqual(cp.status, 0, "TLS verification is on: an untrusted server is not talked to")
        XCTAssertEqual(fixture.fts.jobIDs(), [])
        XCTAssertTrue(fixture.mount.log.contains("certificate is not trusted; name the CA"), String(fixture.mount.log.suffix(2000)))
    }

    func testACopyWithNoServerSidePathStreamsWithIdenticalBytes() throws {
        fixture = try FTS3MountFixture()
        try DeterministicData.writeFile(at: fixture.mount.serverFile("up.bin"), size: 700_000, seed: 4)
        try fixture.mount.mount()
        // Rucio takes new files only through its own upload (a replica must be registered): no FTS destination.
        let cp = fixture.mount.run("cp", [dst("up.bin"), src("up.bin")])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertEqual(fixture.mount.run("cmp", [fixture.mount.serverFile("up.bin").path, fixture.rucioFile("up.bin").path]).status, 0)
        XCTAssertEqual(fixture.fts.jobIDs(), [], "no FTS job")
    }
}
