import EmulatorSupport
import Foundation
import RucioEmulator
import XCTest

/// One storage server frozen (it accepts connections and never answers): a file with a second replica is read
/// from the other RSE, from where the first left off, and a file whose only replica is there fails with EIO and
/// a log line, both after about `replica_stall_timeout` rather than several connect timeouts. No assertion is
/// made on time (the machine may be slow); the tests check outcomes and which RSE served.
final class RucioStalledReplicaMountTests: XCTestCase {
    private var fixture: MountFixture!
    private var rucio: RucioEmulator { fixture.rucio! }
    private let scope = "user.alice"

    override func setUpWithError() throws {
        // SITE_A is preferred, so every read tries the frozen server first.
        fixture = try MountFixture(withRucio: true, rucioSettings: """
            replica_stall_timeout = 2
            preferred_rses = ["SITE_A"]
            """)
        try rucio.addScope(scope, account: "alice")
        try rucio.addCollection(scope: scope, name: "ds", type: .dataset)
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown() // stopping the emulator ends the frozen requests
        fixture = nil
    }

    private func addFile(_ name: String, _ data: Data, rses: [String]) throws -> String {
        try rucio.addFile(scope: scope, name: name, data: data, rses: rses)
        try rucio.attach(scope: scope, name: "ds", children: [(scope, name)])
        return fixture.rucioPath("\(scope)/ds/\(name)")
    }

    /// SITE_A's storage accepts every request and never answers; the API and SITE_B are untouched.
    private func freezeSiteA() {
        rucio.faults.add(FaultInjector.Rule(method: nil, path: .prefix("/"), action: .hang, count: nil, listener: "SITE_A"))
    }

    func testAStalledReplicaIsAbandonedForTheOtherRSE() throws {
        let data = Data((0..<400_000).map { UInt8(truncatingIfNeeded: $0 &* 17 &+ 5) })
        let file = try addFile("shared.dat", data, rses: ["SITE_A", "SITE_B"])
        try fixture.mount()
        freezeSiteA()
        let expected = fixture.root.appendingPathComponent("shared.expected")
        try data.write(to: expected)
        let cmp = fixture.run("cmp", [file, expected.path], timeout: 300)
        XCTAssertEqual(cmp.status, 0, cmp.text + cmp.stderr)
        let served = rucio.requestLog.all.filter { $0.method == "GET" && $0.path.hasSuffix("/shared.dat") && $0.status < 300 }
        XCTAssertFalse(served.isEmpty, "the file was read from storage")
        XCTAssertEqual(Set(served.compactMap(\.listener)), ["SITE_B"], "every byte came from the other RSE")
        XCTAssertEqual(served.reduce(0) { $0 + $1.bytesSent }, data.count, "each byte fetched once")
        XCTAssertTrue(fixture.log.contains("replica stalled; continuing from the next replica"),
                      String(fixture.log.suffix(3000)))
    }

    func testAReplicaThatFreezesMidTransferIsContinuedFromTheOtherRSE() throws {
        let data = Data((0..<400_000).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ $0 >> 9) })
        let file = try addFile("halfway.dat", data, rses: ["SITE_A", "SITE_B"])
        try fixture.mount()
        rucio.faults.add(FaultInjector.Rule(method: "GET", path: .prefix("/"), action: .stallAfterBytes(100_000),
                                            count: nil, listener: "SITE_A"))
        let expected = fixture.root.appendingPathComponent("halfway.expected")
        try data.write(to: expected)
        let cmp = fixture.run("cmp", [file, expected.path], timeout: 300)
        XCTAssertEqual(cmp.status, 0, cmp.text + cmp.stderr)
        let fromB = rucio.requestLog.all.filter { $0.listener == "SITE_B" && $0.method == "GET" && $0.path.hasSuffix("/halfway.dat") }
        XCTAssertEqual(fromB.map(\.range), ["bytes=100000-399999"],
                       "SITE_B was asked only for what SITE_A had not delivered")
    }

    func testASingleReplicaOnAStalledRSEFailsWithEIOAndALogLine() throws {
        let file = try addFile("lonely.dat", Data("only on SITE_A\n".utf8), rses: ["SITE_A"])
        try fixture.mount()
        freezeSiteA()
        let cat = fixture.run("cat", [file], timeout: 300)
        XCTAssertNotEqual(cat.status, 0)
        XCTAssertEqual(cat.stdout.count, 0)
        XCTAssertTrue(cat.stderr.contains("Input/output error"), cat.stderr)
        let lines = fixture.log.split(separator: "\n").filter { $0.contains("lonely.dat") && $0.contains("replica_stall_timeout") }
        XCTAssertFalse(lines.isEmpty, "the log says the only replica sent nothing:\n\(fixture.log.suffix(3000))")
        XCTAssertEqual(fixture.pythonRead(file, count: 200), "EIO", "a later read fails the same way")
    }
}
