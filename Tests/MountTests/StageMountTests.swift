import Foundation
import JDMAEmulator
import RucioEmulator
import XCTest

/// `sciencefs stage` and `user.sciencefs.stage` through a real mount, for each service: data made ready before a
/// job reads it (a prefetch into the data cache, a Rucio replication rule followed to OK, a JDMA batch's GET), the
/// job then reading without a new storage request, and a second stage of a staged path asking for nothing.
final class StageMountTests: XCTestCase {
    private var fixture: MountFixture!
    private var rucio: RucioEmulator { fixture.rucio! }
    private var jdmaService: JDMATestService?
    private let scope = "user.alice"

    override func setUpWithError() throws {
        fixture = try MountFixture(listingTTL: 600, withRucio: true)
        try rucio.addScope(scope, account: "alice")
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        fixture = nil
        jdmaService?.stop()
    }

    private func stage(_ arguments: [String]) -> MountFixture.Result {
        fixture.run(MountFixture.binary.path, ["stage", "--config", fixture.configURL.path] + arguments, timeout: 120)
    }

    private var transfersDirectory: String { fixture.mountpoint.appendingPathComponent(".sciencefs/transfers").path }

    /// The JSON of the job whose file name starts with `prefix` in `.sciencefs/transfers/`.
    private func transferRecord(_ prefix: String) -> String? {
        guard let name = fixture.run("ls", [transfersDirectory]).lines.first(where: { $0.hasPrefix(prefix) }) else { return nil }
        return fixture.run("cat", [transfersDirectory + "/" + name]).text
    }

    private func bytes(_ count: Int, _ seed: UInt8) -> Data { Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) ^ seed }) }

    /// user.alice:ds1 with two files on SITE_A.
    private func makeDataset() throws -> [String: Data] {
        let files = ["a.root": bytes(3 << 20, 1), "b.root": bytes(100_000, 2)]
        try rucio.addCollection(scope: scope, name: "ds1", type: .dataset)
        for (name, data) in files { try rucio.addFile(scope: scope, name: name, data: data, rses: ["SITE_A"]) }
        try rucio.attach(scope: scope, name: "ds1", children: files.keys.sorted().map { (scope, $0) })
        return files
    }

    private func storageRequests(_ rse: String) -> Int {
        rucio.requestLog.all.filter { $0.listener == rse }.count
    }

    private func assertReadsBack(_ files: [String: Data], in directory: String, file: StaticString = #filePath,
                                 line: UInt = #line) throws {
        for (name, data) in files {
            let expected = fixture.root.appendingPathComponent("expected-" + name.replacingOccurrences(of: "/", with: "-"))
            try data.write(to: expected)
            let cmp = fixture.run("cmp", [directory + "/" + name, expected.path])
            XCTAssertEqual(cmp.status, 0, cmp.text + cmp.stderr, file: file, line: line)
        }
    }

    func testAgaveStageWaitPrefetchesAFolderAndTheJobThenReadsWithoutARequest() throws {
        let files = ["in/x.dat": bytes(2 << 20, 3), "in/sub/y.dat": bytes(70_000, 4)]
        for (name, data) in files { try fixture.writeServerFile(name, data) }
        try fixture.mount()
        let staged = stage(["--wait", fixture.path("in")])
        XCTAssertEqual(staged.status, 0, staged.text + staged.stderr)
        XCTAssertTrue(staged.text.contains("staging (prefetch/"), staged.text)
        XCTAssertTrue(staged.lines.contains { $0.hasPrefix("prefetch ") && $0.contains("FINISHED") && $0.contains("2/2 files") },
                      "a progress line per job, as sciencefs cp draws it:\n\(staged.text)")

        fixture.emulator.requestLog.clear()
        try assertReadsBack(["x.dat": files["in/x.dat"]!, "sub/y.dat": files["in/sub/y.dat"]!], in: fixture.path("in"))
        XCTAssertEqual(fixture.emulator.requestLog.entries(method: "GET", pathPrefix: "/files/v2/media").count, 0,
                       "every byte came from the data cache")

        let again = stage([fixture.path("in")])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.text.contains("already staged"), again.text)
        XCTAssertEqual(fixture.emulator.requestLog.all.count, 0, "staging a staged folder asks the server for nothing")
    }

    func testRucioSetfattrStagesADatasetIntoTheDataCacheShownInTransfers() throws {
        let files = try makeDataset()
        try fixture.mount()
        let dataset = fixture.rucioPath("\(scope)/ds1")
        let set = fixture.run("setfattr", ["-n", "user.sciencefs.stage", "-v", "1", dataset])
        XCTAssertEqual(set.status, 0, set.stderr)
        let named = fixture.run("getfattr", ["--only-values", "-n", "user.sciencefs.stage", dataset])
        XCTAssertTrue(named.text.hasPrefix("prefetch/"), "the attribute names the job: \(named.text)")
        XCTAssertTrue(waitUntil(seconds: 60) { transferRecord("prefetch-")?.contains("\"FINISHED\"") == true },
                      transferRecord("prefetch-") ?? "no prefetch job in .sciencefs/transfers/")

        rucio.requestLog.clear()
        try assertReadsBack(files, in: dataset)
        XCTAssertEqual(storageRequests("SITE_A"), 0, "no storage request after the stage")
        let bad = fixture.run("setfattr", ["-n", "user.sciencefs.stage", "-v", "soon", dataset])
        XCTAssertNotEqual(bad.status, 0, "a value that is neither 1 nor rse=NAME is refused")
    }

    func testRucioStageToAnRSEMakesARuleFollowedToOKAndReadsThenComeFromThatRSE() throws {
        let files = try makeDataset()
        try fixture.mount()
        let dataset = fixture.rucioPath("\(scope)/ds1")
        let staged = stage(["--wait", "--to", "SITE_B", dataset])
        XCTAssertEqual(staged.status, 0, staged.text + staged.stderr)
        XCTAssertEqual(rucio.requestLog.entries(method: "POST", pathPrefix: "/rules/").count, 1, "one rule, as rucio add-rule makes it")
        XCTAssertTrue(staged.lines.contains { $0.hasPrefix("rucio ") && $0.contains("FINISHED") && $0.contains("2/2 files")
                          && $0.contains("100%") }, staged.text)
        let record = try XCTUnwrap(transferRecord("rucio-"), "the rule is in .sciencefs/transfers/")
        XCTAssertTrue(record.contains("rucio-rule") && record.contains("\"FINISHED\"") && record.contains("rse:SITE_B"), record)
        // The daemon's monitor learns of the end on its own poll; the read must come after it.
        XCTAssertTrue(waitUntil(seconds: 30) { fixture.log.contains("Rucio rule ended") })

        rucio.requestLog.clear()
        try assertReadsBack(files, in: dataset)
        XCTAssertGreaterThan(storageRequests("SITE_B"), 0, "read from the RSE the rule replicated to")
        XCTAssertEqual(storageRequests("SITE_A"), 0, "not from the original replica")

        rucio.requestLog.clear()
        let again = stage(["--to", "SITE_B", dataset])
        XCTAssertTrue(again.text.contains("already staged"), again.text + again.stderr)
        XCTAssertEqual(rucio.requestLog.all.filter { !$0.path.hasPrefix("/auth/") }.map { "\($0.method) \($0.path)" }, [],
                       "a dataset already replicated there asks for nothing")

        let refused = stage(["--to", "NO_SUCH_RSE", dataset])
        XCTAssertNotEqual(refused.status, 0, "an unknown RSE fails the command")
        XCTAssertTrue(refused.stderr.contains("sciencefs stage: "), refused.stderr)
    }

    func testJDMAStageSubmitsTheBatchGetShownInTransfersAndAStagedBatchCostsNothing() throws {
        let service = try JDMATestService(prefix: "sciencefs-stage-jdma")
        self.jdmaService = service
        let jdma = service.jdma
        jdma.setTapeDelay(0.5)
        let out = bytes(200_000, 5)
        let batch = try jdma.addBatch(user: "alice", workspace: "gws", label: "run17",
                                      files: ["out.nc": out, "logs/run.log": Data("ok\n".utf8)], onTape: true)
        try fixture.appendConfig(service.sourceTable())
        try fixture.mount()
        let directory = fixture.mountpoint.appendingPathComponent("jdma/gws/run17").path
        let staged = stage([directory])
        XCTAssertEqual(staged.status, 0, staged.text + staged.stderr)
        XCTAssertTrue(staged.text.contains("staging (jdma/GET-"), "returns at once, naming the GET: \(staged.text)")
        XCTAssertEqual(jdma.requests(batch: batch, type: .get).count, 1)
        XCTAssertNotNil(transferRecord("jdma-GET-"), "the GET is in .sciencefs/transfers/")
        XCTAssertTrue(waitUntil(seconds: 60) { transferRecord("jdma-GET-")?.contains("\"FINISHED\"") == true },
                      transferRecord("jdma-GET-") ?? "")
        let status = fixture.run(MountFixture.binary.path, ["status", "--config", fixture.configURL.path, fixture.mountpoint.path])
        XCTAssertTrue(status.text.contains("transfers:      1 finished"), "sciencefs status counts the job:\n\(status.text)")

        try assertReadsBack(["out.nc": out], in: directory)
        let again = stage(["--wait", directory])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.text.contains("already staged"), again.text)
        XCTAssertEqual(jdma.requests(batch: batch, type: .get).count, 1, "one GET for the stage and the read after it")
    }

    func testARuleStartedBeforeAnUnmountIsFollowedToOKAfterTheRemount() throws {
        let files = try makeDataset()
        try fixture.mount()
        let dataset = fixture.rucioPath("\(scope)/ds1")
        let staged = stage(["--to", "SITE_B", dataset])
        XCTAssertEqual(staged.status, 0, staged.text + staged.stderr)
        fixture.unmount()
        try fixture.mount()
        XCTAssertTrue(waitUntil(seconds: 60) { transferRecord("rucio-")?.contains("\"FINISHED\"") == true },
                      transferRecord("rucio-") ?? "the journaled rule is not shown after the remount")
        XCTAssertTrue(waitUntil(seconds: 30) { fixture.log.contains("Rucio rule ended") })
        rucio.requestLog.clear()
        try assertReadsBack(files, in: dataset)
        XCTAssertEqual(storageRequests("SITE_A"), 0, "read from SITE_B, where the rule put the files")
        XCTAssertGreaterThan(storageRequests("SITE_B"), 0)
    }

    func testStageWaitExitsNonZeroWithTheReasonWhenAPrefetchFails() throws {
        try fixture.writeServerFile("gone/x.dat", bytes(50_000, 6))
        try fixture.mount()
        XCTAssertEqual(fixture.run("ls", [fixture.path("gone")]).lines, ["x.dat"])
        try FileManager.default.removeItem(at: fixture.serverFile("gone/x.dat")) // removed behind the mount's back
        let staged = stage(["--wait", fixture.path("gone")])
        XCTAssertEqual(staged.status, 1, staged.text + staged.stderr)
        XCTAssertTrue(staged.lines.contains { $0.hasPrefix("prefetch ") && $0.contains("FAILED") }, staged.text)
        XCTAssertTrue(staged.stderr.contains("sciencefs stage: prefetch/") && staged.stderr.contains("x.dat"), staged.stderr)
    }

    func testTheSourcesStageRSEMakesARuleWithoutTo() throws {
        _ = try makeDataset()
        // The Rucio table is the config file's last one, so these lines land in it.
        try fixture.appendConfig("stage_rse = \"SITE_B\"")
        try fixture.mount()
        let staged = stage(["--wait", fixture.rucioPath("\(scope)/ds1")])
        XCTAssertEqual(staged.status, 0, staged.text + staged.stderr)
        XCTAssertTrue(staged.text.contains("staging (rucio/"), staged.text)
        XCTAssertEqual(rucio.requestLog.entries(method: "POST", pathPrefix: "/rules/").count, 1)
        XCTAssertTrue(transferRecord("rucio-")?.contains("rse:SITE_B") == true, transferRecord("rucio-") ?? "")
    }
}
