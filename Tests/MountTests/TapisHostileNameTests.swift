import EmulatorSupport
import Foundation
import XCTest

/// Hostile names in Tapis file listings (docs/protocols/tapis.md §5.1), sent as the Tapis emulator's FileInfo rows
/// through a real mount, judged by the same rules as the other sources' cases in `HostileNameTests`.
extension HostileNameTests {
    private static let tapisRow = #"{"mimeType":"text/plain","type":"file","owner":"1000","group":"1000","nativePermissions":"rw-r--r--","url":"tapis://data.tapis/hostile/@BARE@","lastModified":"2024-05-01T10:00:00Z","name":@NAME@,"path":"hostile/@BARE@","size":1}"#

    /// The listing envelope around `names`.
    private static func tapisListing(_ names: [WireName]) -> Data {
        Data(#"{"status":"success","message":"FILES_LIST_OK","result":["#.utf8)
            + HostileReply.joined(names.map { HostileReply.row(tapisRow, $0) }, separator: ",")
            + Data(#"],"version":"1.8.2","commit":"x","build":"x","metadata":{}}"#.utf8)
    }

    private func tapisSession() throws -> TapisMountSession {
        let session = try TapisMountSession()
        fixture = session.mount
        addTeardownBlock { session.tapis.stop() }
        return session
    }

    func testTapisListingLeavesOutUnusableNamesWithALogLineAndKeepsTheRest() throws {
        let tapis = try tapisSession()
        let kept = ["good1.txt", "good2.txt", Cases.atLimit]
        for name in kept { try tapis.writeServerFile("hostile/\(name)", Data("x".utf8)) }
        try tapis.writeServerFile("outside.txt", Data("not here".utf8))
        try tapis.writeServerFile("etc/passwd", Data("not here".utf8))
        try tapis.mount.mount()
        let dir = tapis.path("hostile")
        XCTAssertEqual(tapis.mount.run("stat", [dir]).status, 0, "the directory itself is looked up before the rule")

        let hostile = [Cases.parent, Cases.dot, Cases.climb, Cases.slash, Cases.nul, Cases.kib4, Cases.over, ""]
        tapis.faults.add(method: "GET", pathPrefix: "/v3/files/ops/\(TapisMountSession.system)/hostile",
                         action: .replaceBody(status: 200, contentType: "application/json",
                                              body: Self.tapisListing((kept + hostile).map { WireName.text($0) })))
        let ls = tapis.mount.run("ls", ["-A", dir])
        XCTAssertEqual(ls.status, 0, ls.stderr)
        XCTAssertEqual(Set(ls.lines), Set(kept), "only the usable names are listed")
        assertEveryEntryWorks(in: dir)
        assertNothingEscapes(from: dir, outsideNames: ["outside.txt", "etc", "hostile"])
        // Tapis lists no `.`/`..` rows of its own, so every unusable name reaches the Core and is logged.
        for (name, shown) in [(Cases.parent, ".."), (Cases.dot, "."), (Cases.climb, "../../etc"), (Cases.slash, "a/b"),
                              (Cases.nul, "x\\0y"), (Cases.kib4, String(Cases.kib4.prefix(80))),
                              (Cases.over, String(Cases.over.prefix(80)))] {
            assertSkipLogged(shown, bytes: name.utf8.count, in: tapis.mount.log)
        }
        assertSkipLogged("", bytes: 0, in: tapis.mount.log)
        XCTAssertTrue(tapis.mount.isMounted)
    }

    func testTapisListingThatCannotBeDecodedIsEIOWithALogLineAndTheMountStaysUp() throws {
        let tapis = try tapisSession()
        try tapis.writeServerFile("hostile/good.txt", Data("x".utf8))
        try tapis.mount.mount()
        let dir = tapis.path("hostile")
        for name in WireName.undecodable {
            XCTAssertEqual(tapis.mount.run("stat", [dir]).status, 0)
            XCTAssertEqual(tapis.mount.run("setfattr", ["-n", "user.sciencefs.refresh", "-v", "1", dir]).status, 0)
            tapis.faults.removeAll()
            tapis.faults.add(.init(method: "GET", path: .prefix("/v3/files/ops/\(TapisMountSession.system)/hostile"),
                                   action: .replaceBody(status: 200, contentType: "application/json",
                                                        body: Self.tapisListing([.text("good.txt"), name])), count: nil))
            let before = tapis.mount.log.count
            let ls = tapis.mount.run("ls", [dir])
            XCTAssertNotEqual(ls.status, 0, "\(name.label): \(ls.text)")
            XCTAssertTrue(ls.stderr.contains("Input/output error"), "\(name.label): \(ls.stderr)")
            let errors = String(tapis.mount.log.dropFirst(before)).split(separator: "\n").filter { $0.contains(" error ") }
            XCTAssertFalse(errors.isEmpty, "\(name.label): the EIO is explained in the log")
            XCTAssertTrue(errors.allSatisfy { $0.contains("errno=EIO") }, "\(name.label): \(errors)")
            tapis.faults.removeAll()
            XCTAssertTrue(tapis.mount.isMounted)
        }
        XCTAssertEqual(tapis.mount.run("ls", [dir]).lines, ["good.txt"], "the same directory lists again once the server is sane")
    }
}
