import Foundation
import RucioEmulator
import XCTest

/// How many requests a Rucio user's everyday commands cost, read from the emulator's request log: a lookup by
/// name under a scope right after listing it, `getfattr -d`, and reading every file of a large dataset.
final class RucioRequestVolumeTests: XCTestCase {
    private var fixture: MountFixture!
    private var rucio: RucioEmulator { fixture.rucio! }
    private let scope = "user.alice"

    override func setUpWithError() throws {
        // TTLs longer than any of these sessions, so that nothing here depends on how fast the machine is.
        fixture = try MountFixture(listingTTL: 600, withRucio: true)
        try rucio.addScope(scope, account: "alice")
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    /// Rucio API requests since the last `clear()`, logins left out.
    private var apiRequests: [String] {
        rucio.requestLog.all.filter { $0.listener == "api" && !$0.path.hasPrefix("/auth/") }.map { "\($0.method) \($0.path)" }
    }

    /// user.alice: cont1 (container) ⊃ ds1 (dataset) ⊃ `files`, on SITE_A.
    private func makeTree(files: [String: Data]) throws {
        try rucio.addCollection(scope: scope, name: "cont1", type: .container)
        try rucio.addCollection(scope: scope, name: "ds1", type: .dataset)
        try rucio.attach(scope: scope, name: "cont1", children: [(scope, "ds1")])
        for (name, data) in files {
            try rucio.addFile(scope: scope, name: name, data: data, rses: ["SITE_A"], meta: ["datatype": "AOD"])
        }
        try rucio.attach(scope: scope, name: "ds1", children: files.keys.map { (scope, $0) })
    }

    func testADIDInsideAContainerIsReachableByNameRightAfterTheScopeListing() throws {
        try makeTree(files: ["f1.root": Data("one\n".utf8)])
        try fixture.mount()
        XCTAssertEqual(fixture.run("ls", [fixture.rucioPath(scope)]).lines, ["cont1"], "only the top-level DID is listed")
        let stat = fixture.run("stat", ["-c", "%F", fixture.rucioPath("\(scope)/ds1")])
        XCTAssertEqual(stat.status, 0, "the dataset inside cont1 is found at once: \(stat.stderr)")
        XCTAssertEqual(stat.text, "directory\n")
        XCTAssertEqual(fixture.run("cat", [fixture.rucioPath("\(scope)/ds1/f1.root")]).text, "one\n")

        let missing = fixture.run("stat", [fixture.rucioPath("\(scope)/no-such-did")])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("No such file or directory"), missing.stderr)
        rucio.requestLog.clear()
        XCTAssertNotEqual(fixture.run("stat", [fixture.rucioPath("\(scope)/no-such-did")]).status, 0)
        XCTAssertEqual(apiRequests, [], "the server's answer is remembered as a negative entry")
    }

    func testGetfattrDumpCostsAtMostTwoRequestsAndNoneTheSecondTime() throws {
        try makeTree(files: ["f1.root": Data("one\n".utf8), "f2.root": Data("two\n".utf8)])
        try fixture.mount()
        let file = fixture.rucioPath("\(scope)/cont1/ds1/f1.root")
        XCTAssertEqual(fixture.run("ls", ["-l", fixture.rucioPath("\(scope)/cont1/ds1")]).lines.count, 3)
        rucio.requestLog.clear()
        let first = fixture.run("getfattr", ["-d", file])
        XCTAssertEqual(first.status, 0, first.stderr)
        for expected in ["user.rucio.did_type=\"FILE\"", "user.rucio.replicas=\"SITE_A\"", "user.rucio.meta.datatype=\"AOD\""] {
            XCTAssertTrue(first.text.contains(expected), "missing \(expected) in\n\(first.text)")
        }
        XCTAssertLessThanOrEqual(apiRequests.count, 2, "\(apiRequests)")
        rucio.requestLog.clear()
        let second = fixture.run("getfattr", ["-d", file])
        XCTAssertEqual(second.text, first.text)
        XCTAssertEqual(apiRequests, [], "answered from the cache within the attribute TTL")

        let refresh = fixture.run("setfattr", ["-n", "user.sciencefs.refresh", "-v", "1", file])
        XCTAssertEqual(refresh.status, 0, refresh.stderr)
        rucio.requestLog.clear()
        XCTAssertEqual(fixture.run("getfattr", ["-d", file]).text, first.text)
        XCTAssertFalse(apiRequests.isEmpty, "user.sciencefs.refresh dropped the kept answer: the server is asked again")

        // After a remount the attributes come from the on-disk cache and no listing is at hand: still 2 at most.
        fixture.unmount()
        try fixture.mount()
        rucio.requestLog.clear()
        let afterRemount = fixture.run("getfattr", ["-d", file])
        XCTAssertEqual(afterRemount.text, first.text)
        XCTAssertLessThanOrEqual(apiRequests.count, 2, "\(apiRequests)")
    }

    func testReadingEveryFileOfATwoThousandFileDatasetCostsAtMostTwentyReplicaLookups() throws {
        let count = 2_000
        let names = (0..<count).map { String(format: "evt_%05d.root", $0) }
        try makeTree(files: Dictionary(uniqueKeysWithValues: names.map { ($0, Data("event \($0)\n".utf8)) }))
        try fixture.mount()
        let dataset = fixture.rucioPath("\(scope)/cont1/ds1")
        XCTAssertEqual(fixture.run("ls", [dataset]).lines, names)
        rucio.requestLog.clear()
        let cat = fixture.run("cat", names.map { "\(dataset)/\($0)" })
        XCTAssertEqual(cat.status, 0, cat.stderr)
        XCTAssertEqual(cat.text, names.map { "event \($0)\n" }.joined(), "every file's bytes, in order")
        let lookups = apiRequests.filter { $0 == "POST /replicas/list" }.count
        XCTAssertLessThanOrEqual(lookups, (count + 99) / 100, "replica lookups are batched, not one per file")
        XCTAssertGreaterThan(lookups, 0)
    }
}
