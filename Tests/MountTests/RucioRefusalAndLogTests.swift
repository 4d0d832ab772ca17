import EmulatorSupport
import Foundation
import RucioEmulator
import XCTest

/// A Rucio write the service would refuse fails at `open(O_CREAT)` and leaves nothing in the listing; a DID name
/// that carries a newline makes exactly one log line.
final class RucioRefusalAndLogTests: XCTestCase {
    private var fixture: MountFixture!
    private var rucio: RucioEmulator { fixture.rucio! }
    private let scope = "user.alice"

    override func setUpWithError() throws {
        fixture = try MountFixture(withRucio: true)
        try rucio.addScope(scope, account: "alice")
        try rucio.addCollection(scope: scope, name: "ds1", type: .dataset)
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    func testACreateInAClosedDatasetFailsAtOpenAndLeavesNoGhost() throws {
        try rucio.addFile(scope: scope, name: "a.txt", data: Data("a".utf8), rses: ["SITE_A"])
        try rucio.attach(scope: scope, name: "ds1", children: [(scope, "a.txt")])
        try rucio.setOpen(scope: scope, name: "ds1", open: false)
        try fixture.mount()
        let dir = fixture.rucioPath("\(scope)/ds1")
        let script = """
            import errno, sys
            try:
                f = open(sys.argv[1], "w")
            except OSError as e:
                print("open", errno.errorcode[e.errno])
            else:
                print("open ok")
            """
        let run = fixture.run("python3", ["-c", script, dir + "/late.txt"])
        XCTAssertEqual(run.lines, ["open EROFS"], run.stderr)
        XCTAssertEqual(fixture.run("ls", ["-A", dir]).lines, ["a.txt"], "no ghost of the refused file")
        XCTAssertFalse(FileManager.default.fileExists(atPath: rucio.storageFile(rse: "SITE_A", scope: scope, name: "late.txt").path))
        let status = fixture.run(MountFixture.binary.path, ["status", "--config", fixture.configURL.path, fixture.mountpoint.path])
        XCTAssertFalse(status.text.contains("late.txt"), "no bytes were accepted, so none are kept: \(status.text)")
    }

    func testADIDNameWithANewlineMakesExactlyOneLogLine() throws {
        // No ':' in it: Rucio names escape ':' as %3A, and the test opens the file by this very name.
        let forged = "evil\n2026-12-05T00.00.00Z error sciencefs forged entry"
        try rucio.addFile(scope: scope, name: forged, data: Data("x".utf8), rses: ["SITE_A"])
        try rucio.attach(scope: scope, name: "ds1", children: [(scope, forged)])
        try fixture.mount()
        // Every replica of the file fails: the read is EIO, and its log line names the file.
        rucio.faults.add(FaultInjector.Rule(method: "GET", path: .contains("forged"), action: .status(500), count: nil))
        let dir = fixture.rucioPath("\(scope)/ds1")
        XCTAssertEqual(fixture.run("ls", ["-A", dir]).lines.count, 2, "the name is listed (a newline is a legal file name byte)")
        let cat = fixture.run("cat", [dir + "/" + forged])
        XCTAssertNotEqual(cat.status, 0)
        let lines = fixture.log.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertFalse(lines.contains { $0.hasPrefix("2026-12-05T00.00.00Z error sciencefs forged") }, "no forged line")
        let naming = lines.filter { $0.contains("forged entry") }
        XCTAssertFalse(naming.isEmpty, "the failure is logged")
        for line in naming {
            XCTAssertTrue(line.contains("evil\\n2026-12-05T00.00.00Z"), "the newline is escaped: \(line)")
        }
    }
}
