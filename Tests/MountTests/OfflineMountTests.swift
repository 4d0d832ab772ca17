import Foundation
import JDMAEmulator
import RucioEmulator
import XCTest

/// Working through an outage (docs/RELIABILITY.md, "When a service is down"), as a user meets it: browse and read,
/// the service goes away mid-session, and what was cached still answers past its TTL, a write is accepted and
/// journaled, the log and `sciencefs status` say the source is offline; the service comes back on the same port with
/// the same state, and the write arrives without a remount.
final class OfflineMountTests: XCTestCase {
    private var fixture: MountFixture!
    private var jdma: JDMATestService?

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 6000 chars) ---\n\(fixture.log.suffix(6000))")
        }
        fixture?.tearDown()
        fixture = nil
        jdma?.stop()
        jdma = nil
    }

    /// TTLs of one second and no kernel caching: every `ls` and `stat` after the outage begins reaches the VFS past
    /// its TTL, so only the stale answers can serve it.
    private func start(withRucio: Bool = false, agaveSettings: String = "") throws {
        fixture = try MountFixture(listingTTL: 1, withRucio: withRucio, agaveSettings: agaveSettings,
                                   mountSettings: "entry_timeout = 0\nattr_timeout = 0")
    }

    private func status() -> String {
        fixture.run(MountFixture.binary.path, ["status", "--config", fixture.configURL.path, fixture.mountpoint.path]).text
    }

    private func logLines(containing text: String) -> [Substring] {
        fixture.log.split(separator: "\n").filter { $0.contains(text) }
    }

    /// Past every TTL of the session (one second).
    private func letTheCachesExpire() { usleep(1_500_000) }

    func testAgaveServesCachedTreeAndSendsTheOfflineWriteWhenBack() throws {
        try start()
        let content = Data("results of run 17\n".utf8)
        try fixture.writeServerFile("runs/result.txt", content)
        try fixture.writeServerFile("runs/never-read.txt", Data("nobody read me\n".utf8))
        try fixture.writeServerFile("runs/deeper/inside.txt", Data("x\n".utf8))
        try fixture.mount()
        let runs = fixture.path("runs")
        XCTAssertEqual(fixture.run("ls", [runs]).lines, ["deeper", "never-read.txt", "result.txt"])
        XCTAssertEqual(fixture.run("cat", [runs + "/result.txt"]).stdout, content)

        fixture.emulator.stop()
        letTheCachesExpire()

        XCTAssertEqual(fixture.run("ls", [runs]).lines, ["deeper", "never-read.txt", "result.txt"], fixture.log)
        let stat = fixture.run("stat", ["-c", "%s", runs + "/result.txt"])
        XCTAssertEqual(stat.text, "\(content.count)\n", stat.stderr)
        XCTAssertEqual(fixture.run("cat", [runs + "/result.txt"]).stdout, content)
        // Never cached: fails as it would have without the cache (EIO, the service cannot be reached).
        let unlisted = fixture.run("ls", [runs + "/deeper"])
        XCTAssertNotEqual(unlisted.status, 0)
        XCTAssertTrue(unlisted.stderr.contains("Input/output error"), unlisted.stderr)
        let unread = fixture.run("cat", [runs + "/never-read.txt"])
        XCTAssertNotEqual(unread.status, 0)
        XCTAssertTrue(unread.stderr.contains("Input/output error"), unread.stderr)

        // A write made offline is accepted and journaled, and the mount keeps showing it.
        let written = fixture.shell("printf 'written offline\\n' > '\(runs)/offline.txt'")
        XCTAssertEqual(written.status, 0, written.stderr)
        XCTAssertEqual(fixture.run("cat", [runs + "/result.txt"]).stdout, content)
        XCTAssertTrue(fixture.run("ls", [runs]).lines.contains("offline.txt"))
        // ... and reads it back from the journal: the server does not have it yet.
        let readBack = fixture.run("cat", [runs + "/offline.txt"])
        XCTAssertEqual(readBack.text, "written offline\n", readBack.stderr)
        // Appending to it while still offline starts from those bytes, not from the server (which has none).
        let appended = fixture.shell("printf 'and appended\\n' >> '\(runs)/offline.txt'")
        XCTAssertEqual(appended.status, 0, appended.stderr)
        XCTAssertEqual(fixture.run("cat", [runs + "/offline.txt"]).text, "written offline\nand appended\n")
        // A delete needs the server: it fails as it always did, and nothing is lost or queued.
        let removal = fixture.run("rm", [runs + "/result.txt"])
        XCTAssertNotEqual(removal.status, 0)
        XCTAssertTrue(removal.stderr.contains("Input/output error"), removal.stderr)
        XCTAssertTrue(fixture.run("ls", [runs]).lines.contains("result.txt"))
        // The daemon rewrites its status file every 2 s.
        XCTAssertTrue(waitUntil(seconds: 10) { status().contains("offline:        agave since") }, status())
        let offline = status()
        XCTAssertTrue(offline.contains("staged: /agave/systems/\(MountFixture.system)/runs/offline.txt"), offline)
        XCTAssertEqual(logLines(containing: "serving cached metadata since").count, 1, fixture.log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.serverFile("runs/offline.txt").path))

        // Back on the same port with the same state: the probe finds it, and the write goes out by itself.
        try fixture.emulator.restart()
        XCTAssertTrue(waitUntil(seconds: 60) {
            (try? Data(contentsOf: fixture.serverFile("runs/offline.txt"))) == Data("written offline\nand appended\n".utf8)
        }, "the offline write never reached the server:\n\(status())")
        XCTAssertTrue(waitUntil(seconds: 10) { status().contains("back online:    agave since") }, status())
        XCTAssertFalse(status().contains("staged:"), status())
        XCTAssertEqual(logLines(containing: "source back online").count, 1, fixture.log)
        XCTAssertEqual(logLines(containing: "serving cached metadata since").count, 1, fixture.log)
        XCTAssertEqual(fixture.run("cat", [runs + "/offline.txt"]).text, "written offline\nand appended\n")
    }

    func testRucioServesCachedDatasetAndComesBack() throws {
        try start(withRucio: true)
        let rucio = try XCTUnwrap(fixture.rucio)
        try rucio.addScope("user.alice", account: "alice")
        try rucio.addCollection(scope: "user.alice", name: "ds1", type: .dataset)
        let bytes = Data("event data\n".utf8)
        try rucio.addFile(scope: "user.alice", name: "f1.root", data: bytes, rses: ["SITE_A"])
        try rucio.addFile(scope: "user.alice", name: "f2.root", data: Data("other\n".utf8), rses: ["SITE_A"])
        try rucio.attach(scope: "user.alice", name: "ds1", children: [("user.alice", "f1.root"), ("user.alice", "f2.root")])
        try fixture.mount()
        let dataset = fixture.rucioPath("user.alice/ds1")
        XCTAssertEqual(fixture.run("ls", [dataset]).lines, ["f1.root", "f2.root"])
        XCTAssertEqual(fixture.run("cat", [dataset + "/f1.root"]).stdout, bytes)

        rucio.stop()
        letTheCachesExpire()

        XCTAssertEqual(fixture.run("ls", [dataset]).lines, ["f1.root", "f2.root"], fixture.log)
        XCTAssertEqual(fixture.run("stat", ["-c", "%s", dataset + "/f1.root"]).text, "\(bytes.count)\n")
        XCTAssertEqual(fixture.run("cat", [dataset + "/f1.root"]).stdout, bytes)
        let unread = fixture.run("cat", [dataset + "/f2.root"])
        XCTAssertNotEqual(unread.status, 0)
        XCTAssertTrue(unread.stderr.contains("Input/output error"), unread.stderr)
        XCTAssertTrue(waitUntil(seconds: 10) { status().contains("offline:        rucio since") }, status())
        XCTAssertEqual(logLines(containing: "serving cached metadata since").count, 1, fixture.log)

        try rucio.restart()
        XCTAssertTrue(waitUntil(seconds: 60) { status().contains("back online:    rucio since") }, status())
        letTheCachesExpire()
        XCTAssertEqual(fixture.run("cat", [dataset + "/f2.root"]).text, "other\n")
        XCTAssertEqual(logLines(containing: "source back online").count, 1, fixture.log)
    }

    func testJDMABatchesStayBrowsableThroughAnOutage() throws {
        let service = try JDMATestService(prefix: "sciencefs-offline")
        self.jdma = service
        let jdma = service.jdma
        try jdma.addBatch(user: "alice", workspace: "gws", label: "run17", files: ["out.nc": Data(count: 2_000)])
        fixture = try MountFixture(extraConfig: service.sourceTable(extra: "listing_ttl = 1\nattribute_ttl = 1"),
                                   mountSettings: "entry_timeout = 0\nattr_timeout = 0")
        try fixture.mount()
        let gws = fixture.mountpoint.appendingPathComponent("jdma/gws").path
        XCTAssertEqual(fixture.run("ls", [gws]).lines, ["run17"])
        XCTAssertEqual(fixture.run("ls", [gws + "/run17"]).lines, ["out.nc"])

        jdma.stop()
        letTheCachesExpire()

        XCTAssertEqual(fixture.run("ls", [gws + "/run17"]).lines, ["out.nc"], fixture.log)
        XCTAssertEqual(fixture.run("stat", ["-c", "%s", gws + "/run17/out.nc"]).text, "2000\n")
        XCTAssertTrue(waitUntil(seconds: 10) { status().contains("offline:        jdma since") }, status())
        XCTAssertEqual(logLines(containing: "serving cached metadata since").count, 1, fixture.log)

        try jdma.restart()
        XCTAssertTrue(waitUntil(seconds: 60) { status().contains("back online:    jdma since") }, status())
    }

    func testFailModeAnswersErrorsAsWithoutACache() throws {
        try start(agaveSettings: "offline = \"fail\"")
        try fixture.writeServerFile("runs/result.txt", Data("r\n".utf8))
        try fixture.mount()
        let runs = fixture.path("runs")
        XCTAssertEqual(fixture.run("ls", [runs]).lines, ["result.txt"])

        fixture.emulator.stop()
        letTheCachesExpire()

        let listing = fixture.run("ls", [runs])
        XCTAssertNotEqual(listing.status, 0)
        XCTAssertTrue(listing.stderr.contains("Input/output error"), listing.stderr)
        XCTAssertTrue(logLines(containing: "serving cached metadata since").isEmpty, fixture.log)
        XCTAssertEqual(logLines(containing: "source unreachable since").count, 1, fixture.log)
        let written = fixture.shell("printf 'x' > '\(runs)/new.txt'")
        XCTAssertNotEqual(written.status, 0, "offline = fail must not accept a write it cannot send")
    }
}
