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
}
