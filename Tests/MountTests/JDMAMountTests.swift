import Foundation
import JDMAEmulator
import XCTest

/// JDMA through the mount over the JDMA emulator: batches as directories without touching tape, a read that
/// becomes one GET request for the batch, O_NONBLOCK, and a copied-in tree submitted as one PUT batch.
final class JDMAMountTests: XCTestCase {
    private var fixture: MountFixture!
    private var service: JDMATestService!
    private var jdma: JDMAEmulator { service.jdma }
    private var staging: URL { service.staging }

    override func setUpWithError() throws {
        service = try JDMATestService(prefix: "sciencefs-jdma")
        fixture = try MountFixture(extraConfig: service.sourceTable(extra: "allow_batch_delete = true"))
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        service?.stop()
    }

    private func path(_ relative: String) -> String { fixture.mountpoint.appendingPathComponent("jdma").path + "/" + relative }

    func testListingCostsNoTapeRequestAndAReadIsOneGetForTheBatch() throws {
        jdma.setTapeDelay(0.5)
        let out = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let batch = try jdma.addBatch(user: "alice", workspace: "gws", label: "run17",
                                      files: ["out.nc": out, "logs/run.log": Data("ok\n".utf8)], onTape: true)
        try fixture.mount()
        XCTAssertEqual(fixture.run("ls", [path("gws")]).lines, ["run17"])
        let listing = fixture.run("ls", ["-l", path("gws/run17")])
        XCTAssertTrue(listing.text.contains(" 200000 "), listing.text + listing.stderr)
        XCTAssertEqual(fixture.run("ls", [path("gws/run17/logs")]).lines, ["run.log"])
        XCTAssertEqual(jdma.requests(batch: batch, type: .get), [], "listing touched no tape")
        let local = fixture.root.appendingPathComponent("expected.nc")
        try out.write(to: local)
        let cmp = fixture.run("cmp", [path("gws/run17/out.nc"), local.path])
        XCTAssertEqual(cmp.status, 0, cmp.text + cmp.stderr)
        XCTAssertEqual(fixture.run("cat", [path("gws/run17/logs/run.log")]).text, "ok\n")
        XCTAssertEqual(jdma.requests(batch: batch, type: .get).count, 1, "one GET request for the whole batch")
        let transfers = fixture.run("ls", [fixture.mountpoint.appendingPathComponent(".sciencefs/transfers").path])
        XCTAssertTrue(transfers.lines.contains { $0.hasPrefix("jdma-") }, transfers.text)
    }

    /// A staged file whose bytes do not match JDMA's SHA-256: a batch is staged whole and checked before its first
    /// byte is served, so even a one-byte read fails, and so does every later one, with one log line.
    func testAPartialReadOfACorruptStagedFileFailsWithEIO() throws {
        jdma.setTapeDelay(0.2)
        let out = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        let batch = try jdma.addBatch(user: "alice", workspace: "gws", label: "bad", files: ["out.nc": out], onTape: true)
        var corrupted = out
        corrupted[150_000] ^= 0xff // the first bytes are intact: only the digest of the whole file tells
        try corrupted.write(to: jdma.storedFile(batch: batch, path: "out.nc"))
        try fixture.mount()
        XCTAssertEqual(fixture.pythonRead(path("gws/bad/out.nc"), count: 200), "EIO",
                       "Python's read(200) fails and returns no byte")
        let dd = fixture.ddFirstBlock(path("gws/bad/out.nc"))
        XCTAssertNotEqual(dd.status, 0)
        XCTAssertEqual(dd.stdout.count, 0, "dd bs=1 count=1 got no byte")
        XCTAssertTrue(dd.stderr.contains("Input/output error"), dd.stderr)
        XCTAssertEqual(fixture.logLines(containing: "checksum mismatch"), 1, "one log line for the corrupt file")
        XCTAssertTrue(fixture.log.contains("expected=sha256:"), "the line names JDMA's SHA-256")
    }

    /// `open(O_RDONLY | O_NONBLOCK)` from Python: prints the errno's name, or "opened".
    private func nonBlockingOpen(_ file: String) -> MountFixture.Result {
        fixture.run("python3", ["-c", """
            import errno, os, sys
            try:
                os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
            except OSError as e:
                print(errno.errorcode[e.errno])
            else:
                print("opened")
            """, file])
    }

    func testNonBlockingOpenOfATapeFileIsEAGAIN() throws {
        jdma.setTapeDelay(nil)  // requests move only when the test says so
        _ = try jdma.addBatch(user: "alice", workspace: "gws", label: "cold", files: ["a.dat": Data("cold bytes\n".utf8)], onTape: true)
        try fixture.mount()
        let probe = nonBlockingOpen(path("gws/cold/a.dat"))
        XCTAssertEqual(probe.text, "EAGAIN\n", probe.stderr)
        jdma.completeAllRequests()
        XCTAssertEqual(fixture.run("cat", [path("gws/cold/a.dat")]).text, "cold bytes\n")
    }

    /// A user's session: `open(O_NONBLOCK)` of a file of a batch on tape answers EAGAIN and starts the GET; the user
    /// unmounts and mounts again before tape delivers. The request is still in `.sciencefs/transfers/`, the new
    /// daemon follows it to its end, and the file is then read from the staged copy without a second GET.
    func testATapeRequestInFlightIsFollowedAcrossARemount() throws {
        jdma.setTapeDelay(nil)  // requests move only when the test says so
        let batch = try jdma.addBatch(user: "alice", workspace: "gws", label: "cold",
                                      files: ["a.dat": Data("cold bytes\n".utf8)], onTape: true)
        try fixture.mount()
        let probe = nonBlockingOpen(path("gws/cold/a.dat"))
        XCTAssertEqual(probe.text, "EAGAIN\n", probe.stderr)
        XCTAssertEqual(jdma.requests(batch: batch, type: .get).count, 1)
        let transfers = fixture.mountpoint.appendingPathComponent(".sciencefs/transfers")
        let listed = fixture.run("ls", [transfers.path]).lines.filter { $0.hasPrefix("jdma-GET-") }
        XCTAssertEqual(listed.count, 1, "the GET is a job of the mount's tracker")
        let name = try XCTUnwrap(listed.first)

        fixture.unmount()
        try fixture.mount()
        XCTAssertEqual(fixture.run("ls", [transfers.path]).lines.filter { $0.hasPrefix("jdma-GET-") }, [name],
                       "still listed after the remount")
        let running = fixture.run("cat", [transfers.appendingPathComponent(name).path]).text
        XCTAssertTrue(running.contains("\"kind\" : \"jdma-get\""), running)
        XCTAssertFalse(running.contains("\"state\" : \"FINISHED\""), running)

        jdma.completeAllRequests()
        let followed = waitUntil(seconds: 30) {
            ((try? String(contentsOf: transfers.appendingPathComponent(name), encoding: .utf8)) ?? "")
                .contains("\"state\" : \"FINISHED\"")
        }
        XCTAssertTrue(followed, "the new daemon followed the request to its end")
        XCTAssertEqual(fixture.run("cat", [path("gws/cold/a.dat")]).text, "cold bytes\n")
        XCTAssertEqual(jdma.requests(batch: batch, type: .get).count, 1, "no second GET: the first one was followed")
    }

    func testACopiedTreeIsSubmittedAsOnePutBatch() throws {
        jdma.setTapeDelay(0.5)
        let local = fixture.root.appendingPathComponent("results")
        try FileManager.default.createDirectory(at: local.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("one\n".utf8).write(to: local.appendingPathComponent("one.txt"))
        try Data("two\n".utf8).write(to: local.appendingPathComponent("sub/two.txt"))
        try fixture.mount()
        XCTAssertEqual(fixture.run("mkdir", [path("gws/run42")]).status, 0)
        let cp = fixture.run("cp", ["-r", local.appendingPathComponent("one.txt").path, local.appendingPathComponent("sub").path, path("gws/run42/")])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        let submit = fixture.run("setfattr", ["-n", "user.jdma.submit", "-v", "1", path("gws/run42")])
        XCTAssertEqual(submit.status, 0, submit.stderr)
        let puts = jdma.requestLog.all.filter { $0.method == "POST" }
        XCTAssertEqual(puts.count, 1, "one PUT request: \(puts.map { "\($0.method) \($0.path)" })")
        let deadline = Date().addingTimeInterval(30)
        var stage = ""
        while Date() < deadline {
            stage = fixture.run("getfattr", ["-n", "user.jdma.stage", "--only-values", path("gws/run42")]).text
            if stage == "ON_STORAGE" { break }
            _ = fixture.run("setfattr", ["-n", "user.sciencefs.refresh", "-v", "1", path("gws")])
            usleep(300_000)
        }
        XCTAssertEqual(stage, "ON_STORAGE")
        XCTAssertEqual(fixture.run("cat", [path("gws/run42/one.txt")]).text, "one\n", "read back from tape")
        XCTAssertEqual(fixture.run("cat", [path("gws/run42/sub/two.txt")]).text, "two\n")
    }

    func testRmOfAWholeBatchIsOneDeleteBatchRequest() throws {
        jdma.setTapeDelay(0.2)
        let batch = try jdma.addBatch(user: "alice", workspace: "gws", label: "old",
                                      files: ["a.txt": Data("a".utf8), "d/b.txt": Data("b".utf8)])
        try fixture.mount()
        XCTAssertEqual(fixture.run("ls", [path("gws")]).lines, ["old"])
        let rm = fixture.run("rm", ["-r", path("gws/old")])
        XCTAssertEqual(rm.status, 0, rm.stderr)
        XCTAssertEqual(jdma.requests(batch: batch, type: .delete).count, 1, "one delete_batch request")
        XCTAssertFalse(fixture.run("ls", [path("gws")]).lines.contains("old"))
    }

    func testTwoParallelReadersOfABatchShareOneRequest() throws {
        jdma.setTapeDelay(1)
        let batch = try jdma.addBatch(user: "alice", workspace: "gws", label: "shared",
                                      files: ["a.bin": Data(repeating: 1, count: 50_000), "b.bin": Data(repeating: 2, count: 60_000)])
        try fixture.mount()
        let both = fixture.shell("cat '\(path("gws/shared/a.bin"))' > /dev/null & cat '\(path("gws/shared/b.bin"))' > /dev/null & wait")
        XCTAssertEqual(both.status, 0, both.stderr)
        XCTAssertEqual(jdma.requests(batch: batch, type: .get).count, 1, "the two readers shared one GET request")
    }

    func testQuotaExceededIsAClearErrorAndKeepsTheStagedFiles() throws {
        jdma.setTapeDelay(0.5)
        jdma.setQuota(workspace: "gws", bytes: 10)
        try fixture.mount()
        XCTAssertEqual(fixture.run("mkdir", [path("gws/toobig")]).status, 0)
        let local = fixture.root.appendingPathComponent("big.dat")
        try Data(repeating: 9, count: 10_000).write(to: local)
        XCTAssertEqual(fixture.run("cp", [local.path, path("gws/toobig/")]).status, 0)
        let submit = fixture.run("setfattr", ["-n", "user.jdma.submit", "-v", "1", path("gws/toobig")])
        XCTAssertNotEqual(submit.status, 0)
        XCTAssertTrue(submit.stderr.contains("Disk quota exceeded"), submit.stderr)
        XCTAssertTrue(fixture.log.lowercased().contains("quota"), fixture.log.suffix(1500).description)
        let kept = fixture.shell("find '\(staging.path)' -name big.dat | head -1")
        XCTAssertFalse(kept.text.isEmpty, "the staged file is kept")
    }

    func testABatchCopiedBeforeTheDaemonDiedIsSubmittedAfterARestart() throws {
        jdma.setTapeDelay(0.5)
        try fixture.mount()
        XCTAssertEqual(fixture.run("mkdir", [path("gws/survivor")]).status, 0)
        let local = fixture.root.appendingPathComponent("kept.txt")
        try Data("kept\n".utf8).write(to: local)
        XCTAssertEqual(fixture.run("cp", [local.path, path("gws/survivor/")]).status, 0)
        let daemon = try XCTUnwrap(fixture.process)
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        fixture.run("fusermount3", ["-uz", fixture.mountpoint.path])
        fixture.unmount()
        try fixture.mount()
        XCTAssertEqual(fixture.run("ls", [path("gws/survivor")]).lines, ["kept.txt"], "the staged batch is still there")
        let submit = fixture.run("setfattr", ["-n", "user.jdma.submit", "-v", "1", path("gws/survivor")])
        XCTAssertEqual(submit.status, 0, submit.stderr)
        XCTAssertEqual(jdma.requestLog.all.filter { $0.method == "POST" }.count, 1, "one PUT after the restart")
    }
}
