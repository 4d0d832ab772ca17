import Foundation
import RucioEmulator
import XCTest

/// A Rucio user's session through the mount, over the Rucio emulator: scopes, containers and datasets as
/// directories, reads from replicas with checksum verification, xattrs, and uploads like `rucio upload`.
final class RucioMountTests: XCTestCase {
    private var fixture: MountFixture!
    private var rucio: RucioEmulator { fixture.rucio! }
    private let scope = "user.alice"

    override func setUpWithError() throws {
        fixture = try MountFixture(withRucio: true)
        try rucio.addScope(scope, account: "alice")
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    /// user.alice: cont1 (container) ⊃ ds1 (dataset) ⊃ files; ds1's files on SITE_A, one also on SITE_B.
    private func makeTree(files: [String: Data], bothSites: Set<String> = []) throws {
        try rucio.addCollection(scope: scope, name: "cont1", type: .container)
        try rucio.addCollection(scope: scope, name: "ds1", type: .dataset)
        try rucio.attach(scope: scope, name: "cont1", children: [(scope, "ds1")])
        for (name, data) in files {
            try rucio.addFile(scope: scope, name: name, data: data, rses: bothSites.contains(name) ? ["SITE_A", "SITE_B"] : ["SITE_A"],
                              meta: ["datatype": "AOD"])
        }
        try rucio.attach(scope: scope, name: "ds1", children: files.keys.map { (scope, $0) })
    }

    func testScopesContainersDatasetsAndFilesAreDirectoriesAndFiles() throws {
        let data = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try makeTree(files: ["f1.root": data, "small.txt": Data("hello rucio\n".utf8)])
        try fixture.mount()
        XCTAssertTrue(fixture.run("ls", [fixture.mountpoint.appendingPathComponent("rucio").path]).lines.contains(scope))
        XCTAssertEqual(fixture.run("ls", [fixture.rucioPath(scope)]).lines, ["cont1"], "only top-level collections")
        XCTAssertEqual(fixture.run("ls", [fixture.rucioPath("\(scope)/cont1")]).lines, ["ds1"])
        let listing = fixture.run("ls", ["-l", fixture.rucioPath("\(scope)/cont1/ds1")])
        XCTAssertEqual(listing.status, 0, listing.stderr)
        XCTAssertTrue(listing.lines.contains { $0.contains(" 300000 ") && $0.hasSuffix(" f1.root") }, listing.text)
        let cmp = fixture.run("cmp", [fixture.rucioPath("\(scope)/cont1/ds1/f1.root"),
                                      rucio.storageFile(rse: "SITE_A", scope: scope, name: "f1.root").path])
        XCTAssertEqual(cmp.status, 0, cmp.text + cmp.stderr)
        XCTAssertEqual(fixture.run("cat", [fixture.rucioPath("\(scope)/cont1/ds1/small.txt")]).text, "hello rucio\n")

        let xattrs = fixture.run("getfattr", ["-d", fixture.rucioPath("\(scope)/cont1/ds1/f1.root")])
        XCTAssertEqual(xattrs.status, 0, xattrs.stderr)
        for expected in ["user.rucio.scope=\"\(scope)\"", "user.rucio.name=\"f1.root\"", "user.rucio.did_type=\"FILE\"",
                         "user.rucio.bytes=\"300000\"", "user.rucio.adler32=", "user.rucio.md5=",
                         "user.rucio.replicas=\"SITE_A\"", "user.rucio.meta.datatype=\"AOD\""] {
            XCTAssertTrue(xattrs.text.contains(expected), "missing \(expected) in\n\(xattrs.text)")
        }
    }

    func testAFiveThousandFileDatasetIsListedWithABoundedNumberOfRequests() throws {
        try rucio.addCollection(scope: scope, name: "big", type: .dataset)
        var children: [(scope: String, name: String)] = []
        for i in 0..<5_000 {
            let name = String(format: "evt_%05d.root", i)
            try rucio.addFile(scope: scope, name: name, data: Data("\(i)\n".utf8), rses: ["SITE_A"])
            children.append((scope, name))
        }
        try rucio.attach(scope: scope, name: "big", children: children)
        try fixture.mount()
        XCTAssertEqual(fixture.run("ls", [fixture.rucioPath(scope)]).lines, ["big"])
        rucio.requestLog.clear()
        let ls = fixture.run("ls", ["-l", fixture.rucioPath("\(scope)/big")])
        XCTAssertEqual(ls.lines.filter { $0.hasPrefix("-") }.count, 5_000, ls.stderr)
        let requests = rucio.requestLog.all
        XCTAssertLessThanOrEqual(requests.count, 4, "a bounded number of requests, not one per file: \(requests.map { "\($0.method) \($0.path)" })")
    }

    func testACorruptedReplicaIsDetectedByItsChecksum() throws {
        let data = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 3) })
        try makeTree(files: ["bad.bin": data])
        // The storage's bytes change behind Rucio's back: same size, different content.
        var corrupted = data
        corrupted[100_000] ^= 0xff
        try corrupted.write(to: rucio.storageFile(rse: "SITE_A", scope: scope, name: "bad.bin"))
        try fixture.mount()
        let cat = fixture.run("cat", [fixture.rucioPath("\(scope)/cont1/ds1/bad.bin")])
        XCTAssertNotEqual(cat.status, 0)
        XCTAssertTrue(cat.stderr.contains("Input/output error"), cat.stderr)
        XCTAssertTrue(fixture.log.contains("checksum mismatch"), fixture.log.suffix(2000).description)
    }

    func testWithOneStorageElementDownTheReadComesFromTheOther() throws {
        let data = Data((0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 11) })
        try makeTree(files: ["shared.dat": data], bothSites: ["shared.dat"])
        rucio.setRSE("SITE_A", available: false)
        try fixture.mount()
        let local = fixture.root.appendingPathComponent("expected.dat")
        try data.write(to: local)
        let cmp = fixture.run("cmp", [fixture.rucioPath("\(scope)/cont1/ds1/shared.dat"), local.path])
        XCTAssertEqual(cmp.status, 0, cmp.text + cmp.stderr)
    }

    func testAnExpiredTokenMidListingIsRenewed() throws {
        try makeTree(files: ["a.txt": Data("a".utf8)])
        try fixture.mount()
        XCTAssertEqual(fixture.run("ls", [fixture.rucioPath(scope)]).lines, ["cont1"])
        rucio.expireAllTokens()
        rucio.requestLog.clear()
        let ls = fixture.run("ls", [fixture.rucioPath("\(scope)/cont1/ds1")])
        XCTAssertEqual(ls.lines, ["a.txt"], ls.stderr)
        let log = rucio.requestLog.all
        XCTAssertTrue(log.contains { $0.status == 401 }, "the expired token was refused")
        XCTAssertTrue(log.contains { $0.path.hasPrefix("/auth/userpass") && $0.status == 200 }, "and renewed")
        XCTAssertFalse(fixture.log.contains("alice-password"))
    }

    func testOddNamesIncludingASlashInsideADIDNameRoundTrip() throws {
        let names = ["with space.txt", "ünïcødé.txt", "dir/inside/name.txt"]
        try makeTree(files: Dictionary(uniqueKeysWithValues: names.map { ($0, Data("content of \($0)\n".utf8)) }))
        try fixture.mount()
        let listing = Set(fixture.run("ls", [fixture.rucioPath("\(scope)/cont1/ds1")]).lines)
        XCTAssertEqual(listing, ["with space.txt", "ünïcødé.txt", "dir%2Finside%2Fname.txt"])
        for name in names {
            let fileName = name.replacingOccurrences(of: "/", with: "%2F")
            XCTAssertEqual(fixture.run("cat", [fixture.rucioPath("\(scope)/cont1/ds1/\(fileName)")]).text, "content of \(name)\n")
        }
        let xattr = fixture.run("getfattr", ["-n", "user.rucio.name", "--only-values",
                                             fixture.rucioPath("\(scope)/cont1/ds1/dir%2Finside%2Fname.txt")])
        XCTAssertEqual(xattr.text, "dir/inside/name.txt")
    }

    func testCopyIntoADatasetUploadsRegistersAndAttaches() throws {
        try makeTree(files: ["existing.txt": Data("x".utf8)])
        try fixture.mount()
        let local = fixture.root.appendingPathComponent("result.root")
        let bytes = Data((0..<1_500_000).map { UInt8(truncatingIfNeeded: $0 &* 5) })
        try bytes.write(to: local)
        let cp = fixture.run("cp", [local.path, fixture.rucioPath("\(scope)/cont1/ds1/")])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertEqual(try Data(contentsOf: rucio.storageFile(rse: "SITE_A", scope: scope, name: "result.root")), bytes,
                       "the bytes are on the upload RSE at the deterministic PFN")
        rucio.requestLog.clear()
        XCTAssertEqual(fixture.run("setfattr", ["-n", "user.sciencefs.refresh", "-v", "1", fixture.rucioPath("\(scope)/cont1/ds1")]).status, 0)
        XCTAssertTrue(fixture.run("ls", [fixture.rucioPath("\(scope)/cont1/ds1")]).lines.contains("result.root"),
                      "the server lists it as attached to the dataset")
        let back = fixture.run("cmp", [local.path, fixture.rucioPath("\(scope)/cont1/ds1/result.root")])
        XCTAssertEqual(back.status, 0, back.text + back.stderr)

        XCTAssertEqual(fixture.run("mkdir", [fixture.rucioPath("\(scope)/cont1/ds_new")]).status, 0)
        let cp2 = fixture.run("cp", [local.path, fixture.rucioPath("\(scope)/cont1/ds_new/copy.root")])
        XCTAssertEqual(cp2.status, 0, cp2.stderr)
        XCTAssertTrue(fixture.run("ls", [fixture.rucioPath("\(scope)/cont1/ds_new")]).lines.contains("copy.root"))
    }

    func testAClosedDatasetRefusesWrites() throws {
        try makeTree(files: ["a.txt": Data("a".utf8)])
        try rucio.setOpen(scope: scope, name: "ds1", open: false)
        try fixture.mount()
        let local = fixture.root.appendingPathComponent("late.txt")
        try Data("too late\n".utf8).write(to: local)
        let cp = fixture.run("cp", [local.path, fixture.rucioPath("\(scope)/cont1/ds1/")])
        XCTAssertNotEqual(cp.status, 0)
        XCTAssertTrue(cp.stderr.contains("Read-only file system") || cp.stderr.contains("Permission denied"), cp.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: rucio.storageFile(rse: "SITE_A", scope: scope, name: "late.txt").path))
    }
}
