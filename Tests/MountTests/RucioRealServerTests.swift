import Foundation
import TestSupport
import XCTest

/// The real thing: the Rucio server from PyPI (41.5.1) on 127.0.0.1 with a SQLite database and WebDAV storage,
/// a tree uploaded by the real `rucio` client, mounted by sciencefs, read back, and an upload through the mount
/// that the real client then sees. Setup scripts: Tests/RucioIntegration (a fresh venv takes about a minute).
final class RucioRealServerTests: XCTestCase {
    private static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RucioIntegration")
    private var workdir: URL!
    private var fixture: MountFixture?

    override func setUpWithError() throws {
        workdir = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-rucio-real-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workdir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        if let workdir {
            let stop = Process()
            stop.executableURL = Self.scripts.appendingPathComponent("stop-rucio.sh")
            stop.arguments = [workdir.path]
            try? stop.run()
            stop.waitUntilExit()
            try? FileManager.default.removeItem(at: workdir)
        }
    }

    /// Runs a harness script with its output in WORKDIR/NAME.log. TestProcess spawns with posix_spawn and reaps
    /// with waitpid: the servers a script leaves running would inherit Foundation.Process's exit-notification
    /// descriptor and keep `waitUntilExit` from ever returning.
    private func script(_ name: String, _ arguments: [String]) -> MountFixture.Result {
        let path = Self.scripts.appendingPathComponent(name).path
        do {
            let result = try TestProcess.run(path, arguments, outputFile: workdir.appendingPathComponent("\(name).log"))
            return MountFixture.Result(status: result.status, stdout: result.data, stderr: result.output)
        } catch {
            return MountFixture.Result(status: -1, stdout: Data(), stderr: "\(error)")
        }
    }

    /// Starts the server and uploads the tree with the real client; false (with the script's output) if either failed.
    private func startAndSeed() -> Bool {
        let start = script("start-rucio.sh", [workdir.path])
        XCTAssertEqual(start.status, 0, "start-rucio.sh failed:\n\(start.stderr.suffix(3000))")
        guard start.status == 0 else { return false }
        let seed = script("seed-tree.sh", [workdir.path])
        XCTAssertEqual(seed.status, 0, "seed-tree.sh failed:\n\(seed.stderr.suffix(3000))")
        return seed.status == 0
    }

    func testRealRucioTreeIsBrowsableReadableAndWritableThroughTheMount() throws {
        guard startAndSeed() else { return }
        let env = try JSONSerialization.jsonObject(with: Data(contentsOf: workdir.appendingPathComponent("env.json"))) as? [String: Any] ?? [:]
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: workdir.appendingPathComponent("seed.json"))) as? [String: Any] ?? [:]
        let files = manifest["files"] as? [[String: Any]] ?? []
        XCTAssertFalse(files.isEmpty)

        // The user's own rucio.cfg (written by the harness) supplies host, account and credentials.
        let fixture = try MountFixture(extraConfig: """

            [sources.cern]
            type = "rucio"
            rucio_config = "\(workdir.appendingPathComponent("rucio.cfg").path)"
            upload_rse = "SITE_A"

            """)
        self.fixture = fixture
        try fixture.mount()
        let scope = env["scope"] as? String ?? "user.alice"
        let root = fixture.mountpoint.appendingPathComponent("cern").path
        XCTAssertTrue(fixture.run("ls", [root]).lines.contains(scope))
        XCTAssertEqual(Set(fixture.run("ls", ["\(root)/\(scope)"]).lines), ["cont1", "ds2"])
        XCTAssertEqual(fixture.run("ls", ["\(root)/\(scope)/cont1"]).lines, ["ds1"])
        XCTAssertEqual(Set(fixture.run("ls", ["\(root)/\(scope)/cont1/ds1"]).lines), ["f1.root", "data_2.bin", "small.txt"])

        for file in files {
            guard let name = file["name"] as? String, let dataset = file["dataset"] as? String,
                  let local = file["local_path"] as? String else { continue }
            let datasetName = String(dataset.split(separator: ":").last ?? "")
            let path = datasetName == "ds1" ? "\(root)/\(scope)/cont1/ds1/\(name)" : "\(root)/\(scope)/\(datasetName)/\(name)"
            let cmp = fixture.run("cmp", [path, local])
            XCTAssertEqual(cmp.status, 0, "\(name): \(cmp.text)\(cmp.stderr)")
            let adler = fixture.run("getfattr", ["-n", "user.rucio.adler32", "--only-values", path])
            XCTAssertEqual(adler.text, file["adler32"] as? String, "\(name) adler32")
        }
        let xattrs = fixture.run("getfattr", ["-d", "\(root)/\(scope)/ds2/shared.dat"])
        XCTAssertTrue(xattrs.text.contains("user.rucio.replicas=\"SITE_A,SITE_B\"") || xattrs.text.contains("user.rucio.replicas=\"SITE_B,SITE_A\""),
                      xattrs.text)

        // Upload through the mount; the real client must see it and download the same bytes.
        let local = workdir.appendingPathComponent("from-sciencefs.bin")
        try Data((0..<2_000_000).map { UInt8(truncatingIfNeeded: $0 &* 17 &+ 3) }).write(to: local)
        let cp = fixture.run("cp", [local.path, "\(root)/\(scope)/cont1/ds1/"])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        let check = script("check-with-client.sh", [workdir.path, "\(scope):from-sciencefs.bin", "\(scope):ds1", local.path])
        XCTAssertEqual(check.status, 0, check.text + check.stderr)
    }

    /// `sciencefs stage --to RSE` against the real server: ds2's file already has a replica on SITE_B, so the rule
    /// there is OK as soon as it is made and `--wait` ends; ds1 has none there, and with no transfer daemon in this
    /// harness its rule stays REPLICATING, shown as such in `.sciencefs/transfers/`.
    func testStageToAnRSEAddsAReplicationRuleOnTheRealServer() throws {
        guard startAndSeed() else { return }
        let fixture = try MountFixture(extraConfig: """

            [sources.cern]
            type = "rucio"
            rucio_config = "\(workdir.appendingPathComponent("rucio.cfg").path)"

            """)
        self.fixture = fixture
        try fixture.mount()
        let root = fixture.mountpoint.appendingPathComponent("cern/user.alice").path
        let stage = { (arguments: [String]) in
            fixture.run(MountFixture.binary.path, ["stage", "--config", fixture.configURL.path] + arguments)
        }
        let ready = stage(["--wait", "--to", "SITE_B", "\(root)/ds2"])
        XCTAssertEqual(ready.status, 0, ready.text + ready.stderr)
        XCTAssertTrue(ready.lines.contains { $0.hasPrefix("cern ") && $0.contains("FINISHED") }, ready.text)

        let pending = stage(["--to", "SITE_B", "\(root)/cont1/ds1"])
        XCTAssertEqual(pending.status, 0, pending.text + pending.stderr)
        XCTAssertTrue(pending.text.contains("staging (cern/"), pending.text)
        let transfers = fixture.mountpoint.appendingPathComponent(".sciencefs/transfers").path
        XCTAssertTrue(waitUntil(seconds: 30) {
            fixture.run("ls", [transfers]).lines.filter { $0.hasPrefix("cern-") }.contains { name in
                fixture.run("cat", [transfers + "/" + name]).text.contains("\"REPLICATING\"")
            }
        }, "the REPLICATING rule is shown in .sciencefs/transfers/")
    }
}
