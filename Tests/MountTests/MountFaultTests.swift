import AgaveEmulator
import Foundation
import XCTest

/// Bad input seen through a real mount: server errors, expired tokens, malformed replies, dropped connections,
/// rejected uploads. Each gets a clear errno and log line, and nothing accepted is lost.
final class MountFaultTests: XCTestCase {
    private var fixture: MountFixture!

    override func setUpWithError() throws {
        fixture = try MountFixture(listingTTL: 1)
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    private var listingPrefix: String { "/files/v2/listings/system/\(MountFixture.system)" }
    private var mediaPrefix: String { "/files/v2/media/system/\(MountFixture.system)" }

    func testServerErrorThenSuccessIsRetried() throws {
        try fixture.writeServerFile("flaky/a.txt", Data("a\n".utf8))
        try fixture.mount()
        fixture.emulator.faults.add(method: "GET", pathPrefix: "\(listingPrefix)/flaky", action: .status(500), count: 1)
        let ls = fixture.run("ls", [fixture.path("flaky")])
        XCTAssertEqual(ls.status, 0, ls.stderr)
        XCTAssertEqual(ls.lines, ["a.txt"])
        let statuses = fixture.emulator.requestLog.entries(method: "GET", pathPrefix: "\(listingPrefix)/flaky").map(\.status)
        XCTAssertEqual(statuses.first, 500)
        XCTAssertTrue(statuses.dropFirst().contains(200))
    }

    func testServerErrorForeverIsEIOWithALogLineAndTheMountStaysUp() throws {
        try fixture.writeServerFile("broken/data.bin", Data(repeating: 1, count: 10_000))
        try fixture.mount()
        XCTAssertEqual(fixture.run("ls", [fixture.path("broken")]).lines, ["data.bin"])
        fixture.emulator.faults.add(method: "GET", pathPrefix: "\(mediaPrefix)/broken/data.bin", action: .status(500), count: nil)
        let cat = fixture.run("cat", [fixture.path("broken/data.bin")], timeout: 120)
        XCTAssertNotEqual(cat.status, 0)
        XCTAssertTrue(cat.stderr.contains("Input/output error"), cat.stderr)
        XCTAssertTrue(fixture.log.contains("EIO"), "an EIO must be explained in the log:\n\(fixture.log.suffix(2000))")
        fixture.emulator.faults.removeAll()
        XCTAssertEqual(fixture.run("cmp", [fixture.path("broken/data.bin"), fixture.serverFile("broken/data.bin").path]).status, 0,
                       "the mount still works once the server recovers")
    }

    /// One failed request is one error line, written at the FUSE boundary: the operation, the mount path, the errno
    /// and the whole cause chain (service, operation, object, status). Neither the backend nor the VFS adds its own.
    func testOneFailedRequestIsOneErrorLineWithItsOperationPathAndCause() throws {
        try fixture.writeServerFile("once/data.bin", Data(repeating: 2, count: 100))
        try fixture.mount()
        fixture.emulator.faults.add(method: "GET", pathPrefix: "\(listingPrefix)/once", action: .status(500), count: nil)
        let before = fixture.log.count
        let stat = fixture.run("stat", [fixture.path("once/data.bin")], timeout: 120)
        XCTAssertNotEqual(stat.status, 0)
        XCTAssertTrue(stat.stderr.contains("Input/output error"), stat.stderr)
        let errors = String(fixture.log.dropFirst(before)).split(separator: "\n").filter { $0.contains(" error ") }
        XCTAssertEqual(errors.count, 1, "one failed lookup, one error line:\n\(errors.joined(separator: "\n"))")
        let line = String(errors.first ?? "")
        for part in ["lookup failed", "errno=EIO", "path=/agave/systems/\(MountFixture.system)/once",
                     "Agave stat /systems/\(MountFixture.system)/once", "HTTP 500"] {
            XCTAssertTrue(line.contains(part), "\(part) missing from: \(line)")
        }
        XCTAssertTrue(fixture.isMounted)
    }

    func testExpiredTokenIsRefreshedAndTheRequestSucceeds() throws {
        try fixture.writeServerFile("one/a.txt", Data("a\n".utf8))
        try fixture.writeServerFile("two/b.txt", Data("b\n".utf8))
        try fixture.mount()
        XCTAssertEqual(fixture.run("ls", [fixture.path("one")]).lines, ["a.txt"])
        fixture.emulator.expireAllTokens()
        fixture.emulator.requestLog.clear()
        let ls = fixture.run("ls", [fixture.path("two")])
        XCTAssertEqual(ls.status, 0, ls.stderr)
        XCTAssertEqual(ls.lines, ["b.txt"])
        let log = fixture.emulator.requestLog.all
        XCTAssertTrue(log.contains { $0.status == 401 }, "the expired token was rejected once")
        XCTAssertTrue(log.contains { $0.method == "POST" && $0.path == "/token" && $0.status == 200 }, "then refreshed")
        XCTAssertFalse(fixture.log.contains("alice-password"), "no secret in the log")
    }

    func testMalformedJSONIsEIOAndTheMountStaysUp() throws {
        try fixture.writeServerFile("garbled/a.txt", Data("a\n".utf8))
        try fixture.mount()
        fixture.emulator.faults.add(method: "GET", pathPrefix: "\(listingPrefix)/garbled", action: .malformedJSON, count: 1)
        let ls = fixture.run("ls", [fixture.path("garbled")])
        XCTAssertNotEqual(ls.status, 0)
        XCTAssertTrue(ls.stderr.contains("Input/output error"), ls.stderr)
        XCTAssertTrue(fixture.isMounted)
        XCTAssertTrue(fixture.log.contains("EIO"), fixture.log.suffix(2000).description)
        let again = fixture.run("ls", [fixture.path("garbled")])
        XCTAssertEqual(again.lines, ["a.txt"], again.stderr)
    }

    func testDroppedConnectionMidDownloadIsResumedFromTheRightOffset() throws {
        try DeterministicData.writeFile(at: fixture.serverFile("net/file.bin"), size: 3 << 20, seed: 5)
        try fixture.mount()
        XCTAssertEqual(fixture.run("stat", ["-c", "%s", fixture.path("net/file.bin")]).text, "\(3 << 20)\n")
        fixture.emulator.requestLog.clear()
        fixture.emulator.faults.add(method: "GET", pathPrefix: "\(mediaPrefix)/net/file.bin", action: .dropAfterBytes(300_000), count: 1)
        let cmp = fixture.run("cmp", [fixture.path("net/file.bin"), fixture.serverFile("net/file.bin").path])
        XCTAssertEqual(cmp.status, 0, cmp.text + cmp.stderr)
        let downloads = fixture.emulator.requestLog.entries(method: "GET", pathPrefix: "\(mediaPrefix)/net/file.bin")
        XCTAssertGreaterThanOrEqual(downloads.count, 2)
        let first = try XCTUnwrap(downloads.first)
        let firstStart = Int(first.range?.dropFirst("bytes=".count).split(separator: "-").first ?? "0") ?? 0
        // Readahead runs other ranges at the same time, so the resumption is one of the later requests.
        let later = downloads.dropFirst().compactMap(\.range)
        XCTAssertTrue(later.contains { $0.hasPrefix("bytes=\(firstStart + 300_000)-") },
                      "resumed after the bytes received: \(later)")
    }

    func testRejectedUploadMakesCpFailAndKeepsTheBytes() throws {
        try FileManager.default.createDirectory(at: fixture.serverFile("inbox"), withIntermediateDirectories: true)
        try fixture.mount()
        let local = fixture.root.appendingPathComponent("results.csv")
        try Data("precious,results\n1,2\n".utf8).write(to: local)
        fixture.emulator.faults.add(method: "POST", pathPrefix: "\(mediaPrefix)/inbox", action: .status(403), count: nil)
        let cp = fixture.run("cp", [local.path, fixture.path("inbox/")])
        XCTAssertNotEqual(cp.status, 0, "cp must report the failed upload")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.serverFile("inbox/results.csv").path))
        let staged = fixture.shell("grep -rl 'precious,results' '\(fixture.cacheRoot.path)'")
        XCTAssertEqual(staged.status, 0, "the staged bytes are kept in the cache directory")
        let status = fixture.run(MountFixture.binary.path, ["status", "--config", fixture.configURL.path, fixture.mountpoint.path])
        XCTAssertTrue(status.text.contains("failed: /agave/systems/\(MountFixture.system)/inbox/results.csv"), status.text + status.stderr)
    }

    func testKeptUploadsAreListedThenRetriedOrDiscarded() throws {
        try FileManager.default.createDirectory(at: fixture.serverFile("inbox"), withIntermediateDirectories: true)
        try fixture.mount()
        let results = fixture.root.appendingPathComponent("results.csv")
        let draft = fixture.root.appendingPathComponent("draft.txt")
        try Data("precious,results\n3,4\n".utf8).write(to: results)
        try Data("a draft nobody needs\n".utf8).write(to: draft)
        fixture.emulator.faults.add(method: "POST", pathPrefix: "\(mediaPrefix)/inbox", action: .status(403), count: nil)
        XCTAssertNotEqual(fixture.run("cp", [results.path, fixture.path("inbox/")]).status, 0, "the server refuses the upload")
        XCTAssertNotEqual(fixture.run("cp", [draft.path, fixture.path("inbox/")]).status, 0)

        let sciencefs = MountFixture.binary.path
        let list = fixture.run(sciencefs, ["uploads", "--config", fixture.configURL.path, fixture.mountpoint.path])
        XCTAssertEqual(list.status, 0, list.stderr)
        let resultsID = try XCTUnwrap(Self.uploadID(in: list.text, path: fixture.path("inbox/results.csv")), list.text)
        let draftID = try XCTUnwrap(Self.uploadID(in: list.text, path: fixture.path("inbox/draft.txt")), list.text)
        let resultsLine = try XCTUnwrap(list.lines.first { $0.hasSuffix(fixture.path("inbox/results.csv")) })
        XCTAssertTrue(resultsLine.contains("failed") && resultsLine.contains(" 21 "), "state and size of the kept bytes: \(resultsLine)")
        XCTAssertTrue(list.text.contains("error:"), "the server's refusal is shown: \(list.text)")

        // Still refused: the retry fails, says so, and keeps the bytes.
        let refused = fixture.run(sciencefs, ["uploads", "retry", "--config", fixture.configURL.path, String(resultsID)])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("the bytes are still kept"), refused.stderr)

        fixture.emulator.faults.removeAll()
        let retry = fixture.run(sciencefs, ["uploads", "retry", "--config", fixture.configURL.path, String(resultsID)])
        XCTAssertEqual(retry.status, 0, retry.stderr)
        XCTAssertEqual(try Data(contentsOf: fixture.serverFile("inbox/results.csv")), try Data(contentsOf: results),
                       "the kept bytes are on the server")
        XCTAssertEqual(fixture.run("cat", [fixture.path("inbox/results.csv")]).stdout, try Data(contentsOf: results),
                       "and the mount shows them")

        let discard = fixture.run(sciencefs, ["uploads", "discard", "--config", fixture.configURL.path, String(draftID)])
        XCTAssertEqual(discard.status, 0, discard.stderr)
        XCTAssertNotEqual(fixture.shell("grep -rl 'a draft nobody needs' '\(fixture.cacheRoot.path)'").status, 0,
                          "the staging file is gone")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.serverFile("inbox/draft.txt").path))
        XCTAssertEqual(fixture.run("ls", [fixture.path("inbox")]).lines, ["results.csv"], "the listing shows what the server has")

        let after = fixture.run(sciencefs, ["uploads", "--config", fixture.configURL.path, fixture.mountpoint.path])
        XCTAssertEqual(after.status, 0, after.stderr)
        XCTAssertTrue(after.text.contains("no kept uploads"), after.text)
    }

    func testAnOlderKeptUploadIsNotSentOverALaterWriteOfTheSameFile() throws {
        try FileManager.default.createDirectory(at: fixture.serverFile("inbox"), withIntermediateDirectories: true)
        // No kernel entry caching, so the second write looks the refused name up again and creates it anew.
        let config = try String(contentsOf: fixture.configURL, encoding: .utf8)
        try ("entry_timeout = 0\nattr_timeout = 0\n" + config).write(to: fixture.configURL, atomically: true, encoding: .utf8)
        try fixture.mount()
        fixture.emulator.faults.add(method: "POST", pathPrefix: "\(mediaPrefix)/inbox", action: .status(403), count: nil)
        let target = fixture.path("inbox/table.csv")
        for version in ["first", "second"] {
            let local = fixture.root.appendingPathComponent(version)
            try Data("\(version)\n".utf8).write(to: local)
            XCTAssertNotEqual(fixture.run("cp", [local.path, target]).status, 0, "the server refuses \(version)")
        }
        let sciencefs = MountFixture.binary.path
        let list = fixture.run(sciencefs, ["uploads", "--config", fixture.configURL.path, fixture.mountpoint.path])
        let ids = list.lines.filter { $0.hasSuffix(target) }.compactMap { $0.split(separator: " ").first.flatMap { Int64($0) } }
        XCTAssertEqual(ids.count, 2, list.text)
        let (older, later) = (try XCTUnwrap(ids.min()), try XCTUnwrap(ids.max()))
        fixture.emulator.faults.removeAll()

        let stale = fixture.run(sciencefs, ["uploads", "retry", "--config", fixture.configURL.path, String(older)])
        XCTAssertNotEqual(stale.status, 0)
        XCTAssertTrue(stale.stderr.contains("a later write of the same file is kept too"), stale.stderr)
        XCTAssertEqual(fixture.run(sciencefs, ["uploads", "retry", "--all", "--config", fixture.configURL.path]).status, 1,
                       "--all sends the later one and refuses the older")
        XCTAssertEqual(try String(contentsOf: fixture.serverFile("inbox/table.csv"), encoding: .utf8), "second\n")
        XCTAssertEqual(fixture.run(sciencefs, ["uploads", "discard", "--config", fixture.configURL.path, String(older)]).status, 0)
        XCTAssertEqual(fixture.run("cat", [target]).text, "second\n")
        let after = fixture.run(sciencefs, ["uploads", "--config", fixture.configURL.path, fixture.mountpoint.path])
        XCTAssertTrue(after.text.contains("no kept uploads"), "the later one was sent, the older discarded: \(after.text) (\(later))")
    }

    func testKeptUploadsOfAnUnmountedMountAreSentAtTheNextMountOrDiscarded() throws {
        try FileManager.default.createDirectory(at: fixture.serverFile("inbox"), withIntermediateDirectories: true)
        try fixture.mount()
        fixture.emulator.faults.add(method: "POST", pathPrefix: "\(mediaPrefix)/inbox", action: .status(403), count: nil)
        for name in ["keep.txt", "drop.txt"] {
            let local = fixture.root.appendingPathComponent(name)
            try Data("bytes of \(name)\n".utf8).write(to: local)
            XCTAssertNotEqual(fixture.run("cp", [local.path, fixture.path("inbox/\(name)")]).status, 0)
        }
        fixture.unmount()
        fixture.emulator.faults.removeAll()

        let sciencefs = MountFixture.binary.path
        let list = fixture.run(sciencefs, ["uploads", "--config", fixture.configURL.path, fixture.mountpoint.path])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.text.contains("(not mounted)"), list.text)
        let keep = try XCTUnwrap(Self.uploadID(in: list.text, path: fixture.path("inbox/keep.txt")), list.text)
        let drop = try XCTUnwrap(Self.uploadID(in: list.text, path: fixture.path("inbox/drop.txt")), list.text)
        let retry = fixture.run(sciencefs, ["uploads", "retry", "--mount", fixture.mountpoint.path,
                                            "--config", fixture.configURL.path, String(keep)])
        XCTAssertEqual(retry.status, 0, retry.stderr)
        XCTAssertTrue(retry.text.contains("will be sent when it is mounted again"), retry.text)
        let discard = fixture.run(sciencefs, ["uploads", "discard", "--mount", fixture.mountpoint.path,
                                              "--config", fixture.configURL.path, String(drop)])
        XCTAssertEqual(discard.status, 0, discard.stderr)
        XCTAssertNotEqual(fixture.shell("grep -rl 'bytes of drop.txt' '\(fixture.cacheRoot.path)'").status, 0, "its bytes are gone")

        try fixture.mount()
        let sent = fixture.serverFile("inbox/keep.txt")
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: sent.path) && Date() < deadline { usleep(100_000) }
        XCTAssertEqual(try? String(contentsOf: sent, encoding: .utf8), "bytes of keep.txt\n", "the next mount sent it")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.serverFile("inbox/drop.txt").path))
    }

    /// The ID column of the `sciencefs uploads` line that ends with `path`.
    private static func uploadID(in listing: String, path: String) -> Int64? {
        listing.split(separator: "\n").first { $0.hasSuffix(path) }
            .flatMap { $0.split(separator: " ").first }.flatMap { Int64($0) }
    }
}
