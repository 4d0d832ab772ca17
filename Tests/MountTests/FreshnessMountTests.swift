import Foundation
import JDMAEmulator
import RucioEmulator
import XCTest

/// The one freshness rule (docs/SEMANTICS.md, "Freshness") as a user meets it: what `ls -l` showed stays until the
/// source's TTL has passed or `user.sciencefs.refresh` is set, and then the change someone made on the server shows,
/// in listings and in stats, for Rucio and for JDMA. `ls -l` of a dataset or a batch costs no request per file.
final class FreshnessMountTests: XCTestCase {
    private var fixture: MountFixture!
    private var jdma: JDMAEmulator!
    private var rucio: RucioEmulator { fixture.rucio! }
    private let scope = "user.alice"
    private var dataset: String { fixture.rucioPath("\(scope)/ds1") }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        fixture = nil
        jdma?.stop()
    }

    /// A Rucio source and a JDMA source, both with `ttl`; `kernelTimeout` is the kernel's entry and attribute timeout.
    private func start(ttl: Double, kernelTimeout: Double) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-fresh-\(UUID().uuidString)")
        jdma = try JDMAEmulator(stateDirectory: root.appendingPathComponent("jdma"))
        _ = try jdma.start()
        jdma.addUser("alice", workspaces: ["gws"], quotaBytes: 1 << 30)
        fixture = try MountFixture(listingTTL: ttl, withRucio: true, extraConfig: """

            [sources.jdma]
            type = "jdma"
            base_url = "\(jdma.serverURL.absoluteString)"
            username = "alice"
            workspaces = ["gws"]
            staging_dir = "\(root.appendingPathComponent("staging").path)"
            listing_ttl = \(ttl)
            attribute_ttl = \(ttl)

            """, mountSettings: "entry_timeout = \(kernelTimeout)\nattr_timeout = \(kernelTimeout)")
        try rucio.addScope(scope, account: "alice")
        try rucio.addCollection(scope: scope, name: "ds1", type: .dataset)
        for name in ["f1.root", "f2.root"] {
            try rucio.addFile(scope: scope, name: name, data: Data("bytes of \(name)\n".utf8), rses: ["SITE_A"])
        }
        try rucio.attach(scope: scope, name: "ds1", children: [(scope, "f1.root"), (scope, "f2.root")])
        batch = try jdma.addBatch(user: "alice", workspace: "gws", label: "run17",
                                  files: ["out.nc": Data(count: 2_000), "logs/run.log": Data("ok\n".utf8)])
        try fixture.mount()
    }

    private var batch = 0

    private func jdmaPath(_ relative: String) -> String {
        fixture.mountpoint.appendingPathComponent("jdma").path + "/" + relative
    }

    private var rucioAPIRequests: [String] {
        rucio.requestLog.all.filter { $0.listener == "api" && !$0.path.hasPrefix("/auth/") }.map { "\($0.method) \($0.path)" }
    }

    private func mode(_ path: String) -> String { fixture.run("stat", ["-c", "%a", path]).text }

    private func refresh(_ path: String) {
        let result = fixture.run("setfattr", ["-n", "user.sciencefs.refresh", "-v", "1", path])
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    /// What another user does meanwhile: a third file attached to the dataset, which is then closed; the JDMA batch
    /// relabelled (`jdma modify`) and a new batch put.
    private func changeOnTheServers() throws {
        try rucio.addFile(scope: scope, name: "f3.root", data: Data("three\n".utf8), rses: ["SITE_A"])
        try rucio.attach(scope: scope, name: "ds1", children: [(scope, "f3.root")])
        try rucio.setOpen(scope: scope, name: "ds1", open: false)
        let modify = fixture.run("curl", ["-sf", "-X", "PUT", "-H", "Content-Type: application/json", "-d", #"{"label": "run18"}"#,
                                          jdma.baseURL.absoluteString + "migration/?name=alice&migration_id=\(batch)"])
        XCTAssertEqual(modify.status, 0, modify.stderr)
        try jdma.addBatch(user: "alice", workspace: "gws", label: "extra", files: ["x.txt": Data("x".utf8)])
    }

    func testAChangeOnTheServerShowsAfterRefreshAndLsLCostsNoRequestPerFile() throws {
        try start(ttl: 600, kernelTimeout: 30)
        rucio.requestLog.clear()
        let before = fixture.run("ls", ["-l", dataset])
        XCTAssertEqual(before.lines.count, 3, before.text + before.stderr)
        XCTAssertTrue(before.lines.dropFirst().allSatisfy { $0.hasPrefix("-rw-r--r--") }, before.text)
        XCTAssertLessThanOrEqual(rucioAPIRequests.count, 3, "lookups and one listing, none per file: \(rucioAPIRequests)")
        jdma.requestLog.clear()
        let batchListing = fixture.run("ls", ["-l", jdmaPath("gws/run17")])
        XCTAssertEqual(batchListing.lines.count, 3, batchListing.text + batchListing.stderr)
        XCTAssertLessThanOrEqual(jdma.requestLog.all.count, 2,
                                 "the batch list and one file list: \(jdma.requestLog.all.map { "\($0.method) \($0.path)" })")

        try changeOnTheServers()
        XCTAssertEqual(fixture.run("ls", [dataset]).lines, ["f1.root", "f2.root"], "within the TTL: as listed")
        XCTAssertEqual(fixture.run("ls", [jdmaPath("gws")]).lines, ["run17"])

        // A refresh of one file reaches what the mount knew about its dataset and its batch.
        refresh("\(dataset)/f1.root")
        XCTAssertEqual(mode("\(dataset)/f1.root"), "444\n", "f1's dataset is closed now")
        refresh(jdmaPath("gws/run17/out.nc"))
        let gone = fixture.run("stat", [jdmaPath("gws/run17/out.nc")])
        XCTAssertNotEqual(gone.status, 0, "the batch is called run18 now")
        XCTAssertTrue(gone.stderr.contains("No such file or directory"), gone.stderr)

        // A refresh of a directory: its listing and every stat below it.
        refresh(dataset)
        XCTAssertEqual(fixture.run("ls", [dataset]).lines, ["f1.root", "f2.root", "f3.root"])
        XCTAssertEqual(mode(dataset), "555\n", "closed")
        XCTAssertEqual(fixture.run("cat", ["\(dataset)/f3.root"]).text, "three\n")
        refresh(jdmaPath("gws"))
        XCTAssertEqual(fixture.run("ls", [jdmaPath("gws")]).lines, ["extra", "run18"])
        XCTAssertEqual(fixture.run("stat", ["-c", "%s", jdmaPath("gws/run18/out.nc")]).text, "2000\n")
    }

    func testAChangeOnTheServerShowsOnceTheTTLHasPassed() throws {
        let ttl = 2.0
        try start(ttl: ttl, kernelTimeout: 0)
        XCTAssertEqual(fixture.run("ls", ["-l", dataset]).lines.count, 3)
        XCTAssertEqual(mode("\(dataset)/f1.root"), "644\n")
        XCTAssertEqual(fixture.run("ls", ["-l", jdmaPath("gws/run17")]).lines.count, 3)
        XCTAssertEqual(fixture.run("stat", ["-c", "%s", jdmaPath("gws/run17/out.nc")]).text, "2000\n")
        try changeOnTheServers()
        Thread.sleep(forTimeInterval: ttl + 0.5)

        XCTAssertEqual(fixture.run("ls", [dataset]).lines, ["f1.root", "f2.root", "f3.root"])
        XCTAssertEqual(mode("\(dataset)/f1.root"), "444\n")
        XCTAssertEqual(mode(dataset), "555\n")
        XCTAssertEqual(fixture.run("ls", [jdmaPath("gws")]).lines, ["extra", "run18"])
        XCTAssertNotEqual(fixture.run("stat", [jdmaPath("gws/run17/out.nc")]).status, 0, "renamed to run18")
        XCTAssertEqual(fixture.run("stat", ["-c", "%s", jdmaPath("gws/run18/out.nc")]).text, "2000\n")
    }
}
