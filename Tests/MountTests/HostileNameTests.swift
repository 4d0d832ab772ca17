import AMIEEmulator
import EmulatorSupport
import Foundation
import JDMAEmulator
import XCTest

/// Names no server should send (`..`, `/`, NUL, 4 KiB, over NAME_MAX, invalid UTF-8), sent by each emulator in its
/// own reply shape, through a real mount: each is shown escaped (where docs/SEMANTICS.md "Names" and the source
/// pages document an escaping) or left out with a log line; every listed entry works with `ls`, `find` and `stat`;
/// nothing outside the directory is reachable through such a name; a reply that cannot be decoded at all is EIO
/// with a log line; the mount stays up.
final class HostileNameTests: XCTestCase {
    /// Internal, like the shared assertions below, for the other sources' cases in their own files.
    var fixture: MountFixture?
    private var amie: AMIEMountSession?
    private var jdmaService: JDMATestService?

    override func tearDown() {
        if (testRun?.failureCount ?? 0) > 0 {
            let log = fixture?.log ?? amie?.log ?? ""
            print("--- sciencefs log (last 6000 chars) ---\n\(log.suffix(6000))")
        }
        fixture?.tearDown()
        amie?.tearDown()
        jdmaService?.stop()
        fixture = nil
        amie = nil
    }

    typealias Cases = HostileNameCases
    static let skipLine = "a name from the server cannot be shown and is skipped"

    // MARK: Agave files

    private static let agaveRow = #"{"name":@NAME@,"path":"/hostile/@BARE@","lastModified":"2024-05-01T10:00:00.000-05:00","length":1,"permissions":"READ_WRITE","format":"raw","mimeType":"text/plain","type":"file","system":"data.test","_links":{"self":{"href":"http://127.0.0.1/files/v2/media/system/data.test//hostile/x"},"system":{"href":"http://127.0.0.1/systems/v2/data.test"},"history":{"href":"http://127.0.0.1/files/v2/history/system/data.test//hostile/x"}}}"#

    private static let agaveSelfRow = #"{"name":".","path":"/hostile","lastModified":"2024-05-01T10:00:00.000-05:00","length":0,"permissions":"READ_WRITE","format":"folder","mimeType":"text/directory","type":"dir","system":"data.test","_links":{"self":{"href":"http://127.0.0.1/files/v2/media/system/data.test//hostile"},"system":{"href":"http://127.0.0.1/systems/v2/data.test"},"history":{"href":"http://127.0.0.1/files/v2/history/system/data.test//hostile"}}}"#

    /// The files-listing envelope (`{"status":"success",…,"result":[…]}`) around the `.` row and `names`.
    private static func agaveListing(_ names: [WireName]) -> Data {
        Data(#"{"status":"success","message":null,"version":"2.2.27-r6c4b0c9","result":["#.utf8)
            + HostileReply.joined([Data(agaveSelfRow.utf8)] + names.map { HostileReply.row(agaveRow, $0) }, separator: ",")
            + Data("]}".utf8)
    }

    func testAgaveListingLeavesOutUnusableNamesWithALogLineAndKeepsTheRest() throws {
        let fixture = try MountFixture()
        self.fixture = fixture
        let kept = ["good1.txt", "good2.txt", Cases.atLimit]
        for name in kept { try fixture.writeServerFile("hostile/\(name)", Data("x".utf8)) }
        try fixture.writeServerFile("outside.txt", Data("not here".utf8))
        try fixture.writeServerFile("etc/passwd", Data("not here".utf8))
        try fixture.mount()
        let dir = fixture.path("hostile")
        XCTAssertEqual(fixture.run("stat", [dir]).status, 0, "the directory itself is looked up before the rule")

        let hostile = [Cases.parent, Cases.climb, Cases.slash, Cases.nul, Cases.kib4, Cases.over, ""]
        fixture.emulator.faults.add(method: "GET", pathPrefix: "/files/v2/listings/system/\(MountFixture.system)/hostile",
                                    action: .replaceBody(status: 200, contentType: "application/json",
                                                         body: Self.agaveListing((kept + hostile).map { WireName.text($0) })))
        let ls = fixture.run("ls", ["-A", dir])
        XCTAssertEqual(ls.status, 0, ls.stderr)
        XCTAssertEqual(Set(ls.lines), Set(kept), "only the usable names are listed")
        assertEveryEntryWorks(in: dir)
        assertNothingEscapes(from: dir, outsideNames: ["outside.txt", "etc", "hostile"])

        // `..` is Agave's own parent row and is dropped by the backend before the name check; the others are logged.
        for (name, shown) in [(Cases.climb, "../../etc"), (Cases.slash, "a/b"), (Cases.nul, "x\\0y"),
                              (Cases.kib4, String(Cases.kib4.prefix(80))), (Cases.over, String(Cases.over.prefix(80)))] {
            assertSkipLogged(shown, bytes: name.utf8.count, in: fixture.log)
        }
        assertSkipLogged("", bytes: 0, in: fixture.log)
        assertSkipLogged("..", bytes: 2, in: fixture.log, note: "Agave `..` row")
        XCTAssertTrue(fixture.isMounted)
    }

    func testAgaveListingThatCannotBeDecodedIsEIOWithALogLineAndTheMountStaysUp() throws {
        let fixture = try MountFixture()
        self.fixture = fixture
        try fixture.writeServerFile("hostile/good.txt", Data("x".utf8))
        try fixture.mount()
        let dir = fixture.path("hostile")
        for name in WireName.undecodable {
            XCTAssertEqual(fixture.run("stat", [dir]).status, 0)
            XCTAssertEqual(fixture.run("setfattr", ["-n", "user.sciencefs.refresh", "-v", "1", dir]).status, 0)
            fixture.emulator.faults.removeAll()
            fixture.emulator.faults.add(method: "GET", pathPrefix: "/files/v2/listings/system/\(MountFixture.system)/hostile",
                                        action: .replaceBody(status: 200, contentType: "application/json",
                                                             body: Self.agaveListing([.text("good.txt"), name])), count: nil)
            let before = fixture.log.count
            let ls = fixture.run("ls", [dir])
            XCTAssertNotEqual(ls.status, 0, "\(name.label): \(ls.text)")
            XCTAssertTrue(ls.stderr.contains("Input/output error"), "\(name.label): \(ls.stderr)")
            let added = String(fixture.log.dropFirst(before))
            // The refresh made the kernel forget the directory's attributes, so `ls` may stat it first; Agave
            // answers that stat from the same listing request.
            let errors = added.split(separator: "\n").filter { $0.contains(" error ") }
            XCTAssertFalse(errors.isEmpty, "\(name.label): the EIO is explained in the log: \(added)")
            XCTAssertTrue(errors.allSatisfy { $0.contains("errno=EIO") && ($0.contains("Agave list") || $0.contains("Agave stat")) }, "\(name.label): \(added)")
            fixture.emulator.faults.removeAll()
            XCTAssertTrue(fixture.isMounted)
        }
        XCTAssertEqual(fixture.run("ls", [dir]).lines, ["good.txt"], "the same directory lists again once the server is sane")
    }

    // MARK: Agave jobs

    func testAgaveJobNamesAreCleanedAsTheAgavePageSays() throws {
        let fixture = try MountFixture()
        self.fixture = fixture
        let system = "exec.test"
        let names = [Cases.parent, Cases.dot, Cases.climb, Cases.slash, Cases.nul, Cases.kib4, "", ".hidden", "plain"]
        var ids: [String: String] = [:]
        for name in names {
            ids[name] = try fixture.emulator.addJob(name: name, appId: "app-1.0", executionSystem: system,
                                                    outputs: ["out.txt": Data("o\n".utf8)])
        }
        try fixture.mount()
        let jobs = fixture.mountpoint.appendingPathComponent("agave/jobs").path
        let ls = fixture.run("ls", ["-A", jobs])
        XCTAssertEqual(ls.status, 0, ls.stderr)
        func id(_ name: String) -> String { ids[name] ?? "?" }
        var expected = [
            "_.-\(id(Cases.parent))", "_-\(id(Cases.dot))", "_._.._etc-\(id(Cases.climb))", "a_b-\(id(Cases.slash))",
            "x_y-\(id(Cases.nul))", "job-\(id(""))", "_hidden-\(id(".hidden"))", "plain-\(id("plain"))",
        ]
        let longID = id(Cases.kib4)
        expected.append(String(repeating: "n", count: 255 - longID.utf8.count - 1) + "-" + longID)
        XCTAssertEqual(Set(ls.lines), Set([".status", ".app"] + expected))
        XCTAssertTrue(ls.lines.allSatisfy { $0.utf8.count <= 255 })
        assertEveryEntryWorks(in: jobs)
        for directory in expected {
            XCTAssertEqual(fixture.run("ls", ["\(jobs)/\(directory)"]).lines, ["history.json", "job.json", "outputs"], directory)
            XCTAssertEqual(fixture.run("cat", ["\(jobs)/\(directory)/outputs/out.txt"]).text, "o\n", directory)
        }
        XCTAssertFalse(fixture.log.contains(Self.skipLine), "job names are cleaned, never skipped")
        XCTAssertTrue(fixture.isMounted)
    }

    // MARK: Rucio

    private static let rucioContentRow = #"{"scope":"user.alice","name":@NAME@,"type":"FILE","bytes":1,"adler32":"00620062","md5":"0cc175b9c0f1b6a831c399e269772661"}"#
    private static let rucioContainerRow = #"{"scope":"user.alice","name":@NAME@,"type":"CONTAINER","bytes":null,"adler32":null,"md5":null}"#

    func testRucioDatasetShowsHostileDIDNamesEscapedAndSkipsTheRestWithALogLine() throws {
        let fixture = try MountFixture(withRucio: true)
        self.fixture = fixture
        let rucio = try XCTUnwrap(fixture.rucio)
        let scope = "user.alice"
        try rucio.addScope(scope, account: "alice")
        try rucio.addCollection(scope: scope, name: "ds1", type: .dataset)
        try rucio.addCollection(scope: scope, name: "sibling", type: .dataset)
        // A real container named `..` (the emulator, like Rucio's own schema check here, accepts it) holding `inner`.
        try rucio.addCollection(scope: scope, name: Cases.parent, type: .container)
        try rucio.addCollection(scope: scope, name: "inner", type: .dataset)
        try rucio.attach(scope: scope, name: Cases.parent, children: [(scope, "inner")])
        try rucio.addFile(scope: scope, name: "good.root", data: Data("a".utf8), rses: ["SITE_A"])
        try rucio.attach(scope: scope, name: "ds1", children: [(scope, "good.root")])
        try fixture.mount()

        let slashAtLimit = String(repeating: "s", count: 252) + "/"   // escapes to exactly 255 bytes
        let slashOver = String(repeating: "t", count: 253) + "/"      // escapes to 256 bytes
        let files = ["good.root", Cases.climb, Cases.slash, Cases.nul, "%41", Cases.dot, Cases.kib4, Cases.over,
                     Cases.atLimit, slashAtLimit, slashOver, ""]
        let rows = files.map { HostileReply.row(Self.rucioContentRow, .text($0)) }
            + [HostileReply.row(Self.rucioContainerRow, .text(Cases.parent))]
        rucio.faults.add(Rule(method: "GET", path: .contains("/ds1/dids"),
                              action: .replaceBody(status: 200, contentType: "application/x-json-stream",
                                                   body: HostileReply.joined(rows, separator: "\n") + Data("\n".utf8)),
                              count: nil))
        let dir = fixture.rucioPath("\(scope)/ds1")
        let ls = fixture.run("ls", ["-A", dir])
        XCTAssertEqual(ls.status, 0, ls.stderr)
        let shown = ["good.root", "..%2F..%2Fetc", "a%2Fb", "x%00y", "%2541", "%2E", "%2E%2E", Cases.atLimit,
                     String(repeating: "s", count: 252) + "%2F"]
        XCTAssertEqual(Set(ls.lines), Set(shown), "escaped as docs/sources/rucio.md \"Names\" says")
        assertEveryEntryWorks(in: dir)
        for name in [Cases.kib4, Cases.over, slashOver, ""] {
            XCTAssertTrue(fixture.log.contains("skipping a DID whose name cannot be shown as a file name")
                          && fixture.log.contains("\(scope):\(String(name.debugDescription.prefix(60)))"),
                          "no log line for the skipped DID \(name.prefix(20).debugDescription) (\(name.utf8.count) bytes)")
        }
        // The `..` container is a DID named "..": listing it must ask for that DID, never the scope or the parent.
        rucio.requestLog.clear()
        let inside = fixture.run("ls", ["\(dir)/%2E%2E"])
        XCTAssertEqual(inside.lines, ["inner"], "the `..` DID lists its own child: \(inside.stderr) \(rucio.requestLog.all.map(\.path))")
        XCTAssertFalse(inside.lines.contains("sibling") || inside.lines.contains("ds1") || inside.lines.contains("good.root"),
                       "ls of the `..` DID showed the scope or the dataset: \(inside.lines)")
        let asked = rucio.requestLog.all.map(\.path)
        // The emulator logs the decoded path: the DID `..` must arrive as its own segment, not be squashed away.
        XCTAssertTrue(asked.allSatisfy { !$0.hasPrefix("/dids") || $0.hasPrefix("/dids/\(scope)/../") || $0 == "/dids/\(scope)/.." },
                      "a request for the `..` DID reached another endpoint: \(asked)")
        assertNothingEscapes(from: dir, outsideNames: ["sibling", "ds1"])
        XCTAssertTrue(fixture.isMounted)
    }

    func testRucioListingWithAnUndecodableLineIsEIOWithALogLineAndTheMountStaysUp() throws {
        let fixture = try MountFixture(withRucio: true)
        self.fixture = fixture
        let rucio = try XCTUnwrap(fixture.rucio)
        let scope = "user.alice"
        try rucio.addScope(scope, account: "alice")
        try rucio.addCollection(scope: scope, name: "ds1", type: .dataset)
        try rucio.addFile(scope: scope, name: "good.root", data: Data("a".utf8), rses: ["SITE_A"])
        try rucio.attach(scope: scope, name: "ds1", children: [(scope, "good.root")])
        try fixture.mount()
        let dir = fixture.rucioPath("\(scope)/ds1")
        XCTAssertEqual(fixture.run("ls", [dir]).lines, ["good.root"])
        for name in WireName.undecodable {
            rucio.faults.removeAll()
            rucio.faults.add(Rule(method: "GET", path: .contains("/ds1/dids"),
                                  action: .replaceBody(status: 200, contentType: "application/x-json-stream",
                                                       body: HostileReply.row(Self.rucioContentRow, .text("good.root")) + Data("\n".utf8)
                                                           + HostileReply.row(Self.rucioContentRow, name) + Data("\n".utf8)),
                                  count: nil))
            XCTAssertEqual(fixture.run("setfattr", ["-n", "user.sciencefs.refresh", "-v", "1", dir]).status, 0)
            let before = fixture.log.count
            let ls = fixture.run("ls", [dir])
            XCTAssertNotEqual(ls.status, 0, "\(name.label): \(ls.text)")
            XCTAssertTrue(ls.stderr.contains("Input/output error"), "\(name.label): \(ls.stderr)")
            let added = String(fixture.log.dropFirst(before))
            let errors = added.split(separator: "\n").filter { $0.contains(" error ") }
            XCTAssertFalse(errors.isEmpty, "\(name.label): the EIO is explained in the log: \(added)")
            XCTAssertTrue(errors.allSatisfy { $0.contains("errno=EIO") && $0.contains("Rucio list") }, "\(name.label): \(added)")
            XCTAssertTrue(fixture.isMounted)
        }
        rucio.faults.removeAll()
        XCTAssertEqual(fixture.run("setfattr", ["-n", "user.sciencefs.refresh", "-v", "1", dir]).status, 0)
        XCTAssertEqual(fixture.run("ls", [dir]).lines, ["good.root"], "lists again once the server is sane")
    }

    // MARK: JDMA

    private func jdmaFixture() throws -> (MountFixture, JDMAEmulator) {
        let service = try JDMATestService(prefix: "sciencefs-hostile-jdma")
        jdmaService = service
        let fixture = try MountFixture(extraConfig: service.sourceTable(readTimeout: 10))
        self.fixture = fixture
        return (fixture, service.jdma)
    }

    func testJDMABatchLabelsBecomeLegalUniqueDirectoryNames() throws {
        let (fixture, jdma) = try jdmaFixture()
        let labels = [Cases.parent, Cases.dot, "", Cases.climb, Cases.slash, Cases.nul, Cases.kib4, Cases.atLimit, "good", "a_b"]
        var ids: [String: Int] = [:]
        for label in labels {
            ids[label] = try jdma.addBatch(user: "alice", workspace: "gws", label: label, files: ["f.txt": Data("f\n".utf8)])
        }
        try fixture.mount()
        let workspace = fixture.mountpoint.appendingPathComponent("jdma/gws").path
        let ls = fixture.run("ls", ["-A", workspace])
        XCTAssertEqual(ls.status, 0, ls.stderr)
        func id(_ label: String) -> Int { ids[label] ?? -1 }
        let expected = [
            "batch-\(id(Cases.parent))", "batch-\(id(Cases.dot))", "batch-\(id(""))", ".._.._etc", "a_b", "x_y",
            String(repeating: "n", count: 200), String(repeating: "k", count: 200), "good", "a_b~\(id("a_b"))",
        ]
        XCTAssertEqual(Set(ls.lines), Set(expected), "docs/sources/jdma.md \"Namespace\": / and NUL → _, ., .. and empty → batch-<id>")
        assertEveryEntryWorks(in: workspace)
        for directory in expected {
            XCTAssertEqual(fixture.run("ls", ["\(workspace)/\(directory)"]).lines, ["f.txt"], directory)
        }
        XCTAssertTrue(fixture.isMounted)
    }

    private static func jdmaFileRow(_ path: WireName) -> Data {
        HostileReply.row(#"{"pk ":1,"path":"/gws/nopw/j04/gws/run/@BARE@","size":2,"digest":"0000000000000000000000000000000000000000000000000000000000000000","digest_format":"SHA256"}"#, path)
    }

    /// The `file/` listing (`{"migrations":[{…,"archives":[{…,"files":[…]}]}]}`) of batch `id` with these paths.
    private static func jdmaFileListing(batch id: Int, paths: [WireName]) -> Data {
        Data(#"{"migrations":[{"migration_id":\#(id),"user":"alice","workspace":"gws","label":"run","storage":"elastictape","archives":[{"archive_id":"gws_\#(id)_0000","pk":1,"size":2,"limit":0,"digest":"00","digest_format":"SHA256","files":["#.utf8)
            + HostileReply.joined(paths.map(jdmaFileRow), separator: ",") + Data("]}]}]}".utf8)
    }

    func testJDMAFilePathsInsideABatchCannotClimbOutAndUnusableNamesAreSkippedWithALogLine() throws {
        let (fixture, jdma) = try jdmaFixture()
        let batch = try jdma.addBatch(user: "alice", workspace: "gws", label: "run",
                                      files: ["ok.txt": Data("ok".utf8), "sub/deep.txt": Data("dp".utf8)])
        _ = try jdma.addBatch(user: "alice", workspace: "gws", label: "neighbour", files: ["n.txt": Data("n".utf8)])
        let paths = ["ok.txt", "sub/deep.txt", "../../../etc/passwd", "../neighbour/n.txt", "sub/../../x.txt",
                     Cases.nul, Cases.kib4, Cases.over, Cases.atLimit]
        jdma.faults.add(Rule(method: "GET", path: .contains("/api/v1/file/"),
                             action: .replaceBody(status: 200, contentType: "application/json",
                                                  body: Self.jdmaFileListing(batch: batch, paths: paths.map { WireName.text($0) })),
                             count: nil))
        try fixture.mount()
        let dir = fixture.mountpoint.appendingPathComponent("jdma/gws/run").path
        let ls = fixture.run("ls", ["-A", dir])
        XCTAssertEqual(ls.status, 0, ls.stderr)
        XCTAssertEqual(Set(ls.lines), Set(["ok.txt", "sub", Cases.atLimit]))
        assertEveryEntryWorks(in: dir)
        let sub = fixture.run("ls", ["-A", "\(dir)/sub"])
        XCTAssertEqual(Set(sub.lines), Set(["deep.txt"]), "a `..` inside a path never becomes an entry")
        let found = fixture.run("find", [dir])
        XCTAssertEqual(found.status, 0, found.stderr)
        XCTAssertFalse(found.lines.contains { $0.hasSuffix("/passwd") || $0.hasSuffix("/n.txt") || $0.hasSuffix("/x.txt") },
                       found.text)
        assertNothingEscapes(from: dir, outsideNames: ["neighbour"])
        for (shown, bytes) in [("..", 2), ("x\\0y", 3), (String(Cases.kib4.prefix(80)), 4096), (String(Cases.over.prefix(80)), 256)] {
            assertSkipLogged(shown, bytes: bytes, in: fixture.log)
        }
        XCTAssertTrue(fixture.isMounted)
    }

    func testJDMAListingThatCannotBeDecodedIsEIOWithALogLine() throws {
        let (fixture, jdma) = try jdmaFixture()
        let batch = try jdma.addBatch(user: "alice", workspace: "gws", label: "run", files: ["ok.txt": Data("ok".utf8)])
        try fixture.mount()
        let workspace = fixture.mountpoint.appendingPathComponent("jdma/gws").path
        XCTAssertEqual(fixture.run("ls", [workspace]).lines, ["run"])
        for name in WireName.undecodable {
            jdma.faults.removeAll()
            jdma.faults.add(Rule(method: "GET", path: .contains("/api/v1/file/"),
                                 action: .replaceBody(status: 200, contentType: "application/json",
                                                      body: Self.jdmaFileListing(batch: batch, paths: [.text("ok.txt"), name])),
                                 count: nil))
            let before = fixture.log.count
            let ls = fixture.run("ls", ["\(workspace)/run"])
            XCTAssertNotEqual(ls.status, 0, "\(name.label): \(ls.text)")
            XCTAssertTrue(ls.stderr.contains("Input/output error"), "\(name.label): \(ls.stderr)")
            let added = String(fixture.log.dropFirst(before))
            let errors = added.split(separator: "\n").filter { $0.contains(" error ") }
            XCTAssertFalse(errors.isEmpty, "\(name.label): the EIO is explained in the log: \(added)")
            XCTAssertTrue(errors.allSatisfy { $0.contains("errno=EIO") && $0.contains("JDMA list") }, "\(name.label): \(added)")
            XCTAssertTrue(fixture.isMounted)
        }
    }

    // MARK: AMIE

    func testAMIEPacketTypesThatCannotBeFileNamesAreSkippedWithALogLine() throws {
        let session = try AMIEMountSession()
        amie = session
        let id = try session.emulator.receiveFromRemote(type: "request_project_create", body: """
            {"AllocationType": "new", "GrantNumber": "CHE230042", "PfosNumber": "2300420", "RecordID": "REC-1",
             "PiFirstName": "Ada", "PiLastName": "Okafor", "PiOrganization": "University of Example",
             "PiOrgCode": "0012345", "ProjectTitle": "Catalysis", "ResourceList": ["bridges2-cpu.psc.access-ci"],
             "ServiceUnitsAllocated": "50000", "StartDate": "2024-07-01", "EndDate": "2025-06-30"}
            """)
        let site = session.emulator.configuration.siteName
        let url = session.emulator.baseURL.appendingPathComponent("packets/\(site)").absoluteString
        let real = session.run("curl", ["-sf", "-H", "XA-SITE: \(site)", "-H", "XA-API-KEY: \(session.emulator.configuration.apiKey)", url])
        XCTAssertEqual(real.status, 0, real.stderr)
        var reply = try XCTUnwrap(JSONSerialization.jsonObject(with: real.stdout) as? [String: Any], real.text)
        let packet = try XCTUnwrap((reply["result"] as? [[String: Any]])?.first, real.text)
        let types = [Cases.slash, Cases.nul, Cases.kib4, Cases.climb, String(repeating: "m", count: 255 - String(id + 104).count - ".json".count - 1)]
        var packets: [[String: Any]] = [packet]
        for (index, _) in types.enumerated() {
            var copy = packet
            copy["type"] = "@@\(index)@@"
            var header = copy["header"] as? [String: Any] ?? [:]
            header["packet_rec_id"] = Int(id) + 100 + index
            copy["header"] = header
            packets.append(copy)
        }
        reply["result"] = packets
        let body = try HostileReply.splice(reply, names: types.map { WireName.text($0) })
        try session.mount()
        session.emulator.faults.add(Rule(method: "GET", path: .contains("/packets/\(site)"),
                                         action: .replaceBody(status: 200, contentType: "application/json", body: body), count: 1))
        let dir = session.path("packets/incoming")
        let ls = session.run("ls", ["-A", dir])
        XCTAssertEqual(ls.status, 0, ls.stderr)
        let good = "\(id)-request_project_create.json"
        XCTAssertTrue(ls.lines.contains(good), ls.text)
        XCTAssertTrue(ls.lines.allSatisfy { !$0.contains("/") && $0.utf8.count <= 255 }, ls.text)
        XCTAssertEqual(session.run("stat", ["\(dir)/\(good)"]).status, 0)
        XCTAssertEqual(session.run("find", [dir]).status, 0)
        for (shown, bytes) in [("a/b", "\(Int(id) + 100)-a/b.json".utf8.count), ("x\\0y", "\(Int(id) + 101)-x\u{0}y.json".utf8.count)] {
            XCTAssertTrue(session.log.contains(Self.skipLine) && session.log.contains(shown) && session.log.contains("bytes=\(bytes)"),
                          "no skip line for type \(shown)")
        }
        XCTAssertTrue(session.log.contains("bytes=\("\(Int(id) + 102)-\(Cases.kib4).json".utf8.count)"), "no skip line for the 4 KiB type")
        XCTAssertFalse(ls.lines.contains { $0.contains("..") && $0.contains("etc") && !$0.contains("_") && $0.contains("/") })
        print("AMIE listing with hostile types: \(ls.lines.map { $0.count > 60 ? "\($0.prefix(30))…(\($0.utf8.count) bytes)" : $0 })")
        XCTAssertTrue(session.isMounted)
    }

    // MARK: Shared assertions

    /// `find DIR` succeeds and finds exactly what `ls -A` lists one level down, and `stat` of each entry works.
    func assertEveryEntryWorks(in dir: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let fixture else { return }
        let listed = fixture.run("ls", ["-A", dir])
        XCTAssertEqual(listed.status, 0, listed.stderr, file: file, line: line)
        let found = fixture.run("find", [dir, "-maxdepth", "1", "-mindepth", "1"])
        XCTAssertEqual(found.status, 0, found.stderr, file: file, line: line)
        XCTAssertEqual(Set(found.lines), Set(listed.lines.map { "\(dir)/\($0)" }), file: file, line: line)
        for name in listed.lines {
            let stat = fixture.run("stat", ["-c", "%F %s", "\(dir)/\(name)"])
            XCTAssertEqual(stat.status, 0, "stat \(name.prefix(40)): \(stat.stderr)", file: file, line: line)
        }
        let deep = fixture.run("find", [dir])
        XCTAssertEqual(deep.status, 0, deep.stderr, file: file, line: line)
    }

    /// `DIR/..` is the real parent (the kernel resolves it; the server's `..` never reaches it) and names that
    /// only exist outside `DIR` are not found inside it.
    func assertNothingEscapes(from dir: String, outsideNames: [String], file: StaticString = #filePath, line: UInt = #line) {
        guard let fixture else { return }
        let parent = (dir as NSString).deletingLastPathComponent
        XCTAssertEqual(fixture.run("ls", ["-a", "\(dir)/.."]).lines, fixture.run("ls", ["-a", parent]).lines, file: file, line: line)
        for name in outsideNames {
            let inside = fixture.run("stat", ["\(dir)/\(name)"])
            XCTAssertNotEqual(inside.status, 0, "\(name) is reachable inside \(dir)", file: file, line: line)
        }
        for probe in ["../../etc/passwd", "a/b"] {
            XCTAssertNotEqual(fixture.run("stat", ["\(dir)/\(probe)"]).status, 0, "\(probe) resolves inside \(dir)", file: file, line: line)
        }
    }

    func assertSkipLogged(_ shown: String, bytes: Int, in log: String, note: String = "",
                                  file: StaticString = #filePath, line: UInt = #line) {
        let hit = log.split(separator: "\n").contains { logLine in
            logLine.contains(Self.skipLine) && logLine.contains("bytes=\(bytes)") && logLine.contains("name=\(shown)")
        }
        XCTAssertTrue(hit, "no skip line naming \(shown.prefix(40).debugDescription) (\(bytes) bytes) \(note)", file: file, line: line)
    }
}

private typealias Rule = FaultInjector.Rule
