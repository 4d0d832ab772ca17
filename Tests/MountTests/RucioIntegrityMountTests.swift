import Foundation
import RucioEmulator
import XCTest

/// No byte that fails Rucio's checksum reaches a reader without an error: partial reads (`dd count=1`, Python's
/// `read(200)`) of a corrupted replica fail with EIO and return nothing, every later open fails too until the
/// file is refreshed, and a file larger than `verify_whole_mb` streams and fails at the end of a full read.
final class RucioIntegrityMountTests: XCTestCase {
    private var fixture: MountFixture!
    private var rucio: RucioEmulator { fixture.rucio! }
    private let scope = "user.alice"

    override func setUpWithError() throws {
        // 4 MiB: the 3 MiB files below are verified whole before serving, the 6 MiB one as it is fully read. (Files
        // up to the 1 MiB first fetch were complete, and so checked, at their first read even before.)
        fixture = try MountFixture(withRucio: true, rucioSettings: "verify_whole_mb = 4")
        try rucio.addScope(scope, account: "alice")
        try rucio.addCollection(scope: scope, name: "ds", type: .dataset)
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    /// Dataset `ds` of `scope` holding `name` on SITE_A; `corruptAt` flips one byte of the stored replica.
    private func addFile(_ name: String, _ data: Data, corruptAt: Int? = nil) throws -> String {
        try rucio.addFile(scope: scope, name: name, data: data, rses: ["SITE_A"])
        try rucio.attach(scope: scope, name: "ds", children: [(scope, name)])
        if let corruptAt {
            var corrupted = data
            corrupted[corruptAt] ^= 0xff
            try corrupted.write(to: rucio.storageFile(rse: "SITE_A", scope: scope, name: name))
        }
        return fixture.rucioPath("\(scope)/ds/\(name)")
    }

    private func xattr(_ name: String, _ path: String) -> String {
        fixture.run("getfattr", ["-n", name, "--only-values", path]).text
    }

    /// `user.sciencefs.verified` names the checksums Rucio published (Adler-32, MD5) and when they matched.
    private func assertVerified(_ file: String, line: UInt = #line) {
        let verified = xattr("user.sciencefs.verified", file)
        XCTAssertNotNil(verified.range(of: #"^adler32:[0-9a-f]{8} md5:[0-9a-f]{32} at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#,
                                       options: .regularExpression), verified, line: line)
    }

    private static func pattern(_ count: Int, _ factor: Int) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* factor &+ $0 >> 11) })
    }

    func testPartialReadsOfACorruptedReplicaFailWithEIOAndReturnNoBytes() throws {
        let data = Self.pattern(3 << 20, 3)
        // The first bytes are intact: only a check of the whole file can tell they belong to a bad copy.
        let file = try addFile("bad.bin", data, corruptAt: 3_000_000)
        try fixture.mount()
        XCTAssertEqual(xattr("user.sciencefs.verify", file), "whole-before-read")
        XCTAssertEqual(xattr("user.sciencefs.verified", file), "no")

        XCTAssertEqual(fixture.pythonRead(file, count: 200), "EIO", "Python's read(200) fails and returns no byte")
        let dd = fixture.ddFirstBlock(file)
        XCTAssertNotEqual(dd.status, 0)
        XCTAssertEqual(dd.stdout.count, 0, "dd bs=1 count=1 got no byte")
        XCTAssertTrue(dd.stderr.contains("Input/output error"), dd.stderr)
        let cat = fixture.run("cat", [file])
        XCTAssertNotEqual(cat.status, 0, "another open still fails")
        XCTAssertEqual(cat.stdout.count, 0)
        XCTAssertTrue(cat.stderr.contains("Input/output error"), cat.stderr)
        XCTAssertEqual(xattr("user.sciencefs.verified", file), "corrupt")
        XCTAssertEqual(fixture.logLines(containing: "checksum mismatch"), 1, "one log line for the corrupt file")

        // The storage is repaired; after a refresh the file reads again, byte for byte.
        try data.write(to: rucio.storageFile(rse: "SITE_A", scope: scope, name: "bad.bin"))
        XCTAssertEqual(fixture.run("setfattr", ["-n", "user.sciencefs.refresh", "-v", "1", file]).status, 0)
        let expected = fixture.root.appendingPathComponent("bad.expected")
        try data.write(to: expected)
        let cmp = fixture.run("cmp", [file, expected.path])
        XCTAssertEqual(cmp.status, 0, cmp.text + cmp.stderr)
        assertVerified(file)
    }

    func testAGoodFileIsFetchedWholeAndVerifiedBeforeItsFirstByteThenReadsByteForByte() throws {
        let data = Self.pattern(3 << 20, 7)
        let file = try addFile("good.bin", data)
        try fixture.mount()
        rucio.requestLog.clear()
        XCTAssertEqual(fixture.pythonRead(file, count: 200), "read " + data.prefix(200).map { String(format: "%02x", $0) }.joined())
        let fetched = rucio.requestLog.all.filter { $0.listener == "SITE_A" && $0.method == "GET" && $0.path.hasSuffix("/good.bin") }
        XCTAssertEqual(fetched.reduce(0) { $0 + $1.bytesSent }, data.count,
                       "a 200-byte read fetched the whole file to verify it: \(fetched.map { "\($0.range ?? "-") \($0.bytesSent)" })")
        assertVerified(file)
        let expected = fixture.root.appendingPathComponent("good.expected")
        try data.write(to: expected)
        let cmp = fixture.run("cmp", [file, expected.path])
        XCTAssertEqual(cmp.status, 0, cmp.text + cmp.stderr)
        XCTAssertEqual(fixture.logLines(containing: "checksum mismatch"), 0)
    }

    func testAFileLargerThanVerifyWholeMBStreamsAndFailsAtTheEndOfAFullRead() throws {
        let data = Self.pattern(6 << 20, 11)
        let file = try addFile("big.bin", data, corruptAt: 6_000_000)
        try fixture.mount()
        XCTAssertEqual(xattr("user.sciencefs.verify", file), "on-full-read")
        // Served as it streams: a first block is delivered before the file can be checked (documented).
        let head = fixture.ddFirstBlock(file, blockSize: 4096)
        XCTAssertEqual(head.status, 0, head.stderr)
        XCTAssertEqual(head.stdout, data.prefix(4096))

        let cat = fixture.run("cat", [file])
        XCTAssertNotEqual(cat.status, 0, "the full read fails at its end")
        XCTAssertTrue(cat.stderr.contains("Input/output error"), cat.stderr)
        XCTAssertLessThan(cat.stdout.count, data.count)
        XCTAssertEqual(fixture.pythonRead(file, count: 200), "EIO", "once found corrupt, every open fails")
        XCTAssertNotEqual(fixture.ddFirstBlock(file).status, 0)
        XCTAssertEqual(xattr("user.sciencefs.verified", file), "corrupt")
        XCTAssertEqual(fixture.logLines(containing: "checksum mismatch"), 1, "one log line for the corrupt file")
    }
}
