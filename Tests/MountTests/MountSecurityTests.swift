import AgaveEmulator
import Foundation
import XCTest

/// What a mount gives away: nothing to other users (without allow_other), nothing readable in its cache directory
/// to anyone but its owner, no secret in its log even at debug level, and a warning when the config file that holds
/// secrets is readable by others.
final class MountSecurityTests: XCTestCase {
    private var fixture: FTS3MountFixture!

    override func setUpWithError() throws {
        fixture = try FTS3MountFixture()
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 3000 chars) ---\n\(fixture.mount.log.suffix(3000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    func testAnotherUserCannotEnterTheMount() throws {
        try fixture.mount.writeServerFile("secret.txt", Data("mine\n".utf8))
        try fixture.mount.mount()
        XCTAssertEqual(fixture.mount.run("cat", [fixture.mount.path("secret.txt")]).text, "mine\n")
        let nobody = fixture.mount.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                   "ls", fixture.mount.mountpoint.path])
        XCTAssertNotEqual(nobody.status, 0)
        XCTAssertTrue(nobody.stderr.contains("Permission denied"), nobody.stderr)
        let read = fixture.mount.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                 "cat", fixture.mount.path("secret.txt")])
        XCTAssertNotEqual(read.status, 0, "another uid must not read through the mount")
    }

    func testWithAllowOtherTheModeBitsFromTheServiceDecide() throws {
        try fixture.mount.writeServerFile("shared/readme.txt", Data("for everyone\n".utf8))
        try fixture.mount.mount(options: ["allow_other"])
        let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"]
        let ls = fixture.mount.run("setpriv", nobody + ["ls", fixture.mount.path("shared")])
        XCTAssertEqual(ls.status, 0, "0755 lets others list: \(ls.stderr)")
        XCTAssertEqual(ls.lines, ["readme.txt"])
        XCTAssertEqual(fixture.mount.run("setpriv", nobody + ["cat", fixture.mount.path("shared/readme.txt")]).text, "for everyone\n")
        let append = fixture.mount.run("setpriv", nobody + ["sh", "-c", "echo more >> '\(fixture.mount.path("shared/readme.txt"))'"])
        XCTAssertNotEqual(append.status, 0, "0644 keeps others from writing")
        XCTAssertTrue(append.stderr.contains("Permission denied"), append.stderr)
        let create = fixture.mount.run("setpriv", nobody + ["touch", fixture.mount.path("shared/new.txt")])
        XCTAssertTrue(create.stderr.contains("Permission denied"), "0755 keeps others from creating: \(create.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.mount.serverFile("shared/new.txt").path))
        XCTAssertEqual(fixture.mount.run("touch", [fixture.mount.path("shared/mine.txt")]).status, 0, "the owner still writes")
    }

    func testTheCacheDirectoryAndEverythingInItIsTheOwnersAlone() throws {
        try DeterministicData.writeFile(at: fixture.mount.serverFile("data.bin"), size: 3 << 20, seed: 2)
        try fixture.mount.mount()
        XCTAssertEqual(fixture.mount.run("cmp", [fixture.mount.path("data.bin"), fixture.mount.serverFile("data.bin").path]).status, 0)
        XCTAssertEqual(fixture.mount.shell("echo hello > '\(fixture.mount.path("new.txt"))'").status, 0)
        fixture.mount.unmount()
        let root = fixture.mount.cacheRoot
        let enumerator = try XCTUnwrap(FileManager.default.enumerator(atPath: root.path))
        var checked = 0
        while let relative = enumerator.nextObject() as? String {
            let path = root.appendingPathComponent(relative).path
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            XCTAssertEqual(info.st_mode & 0o077, 0, "\(relative) has mode \(String(info.st_mode & 0o777, radix: 8))")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 4, "metadata.sqlite, data/, staging/, status.json... were checked")
    }

    func testNoSecretReachesTheDebugLog() throws {
        try fixture.addRucioFile("f.bin", size: 200_000, seed: 3)
        try DeterministicData.writeFile(at: fixture.mount.serverFile("a.bin"), size: 100_000, seed: 1)
        try fixture.mount.mount() // with -d: debug level
        XCTAssertEqual(fixture.mount.run("cat", [fixture.mount.path("a.bin")]).status, 0)
        XCTAssertEqual(fixture.mount.run("cat", [fixture.mount.rucioPath("user.alice/ds/f.bin")]).status, 0)
        XCTAssertEqual(fixture.mount.run("cp", [fixture.mount.rucioPath("user.alice/ds/f.bin"), fixture.mount.path("f.bin")]).status, 0,
                       "an FTS3 job with a delegated proxy")
        XCTAssertEqual(fixture.fts.jobIDs().count, 1)
        fixture.mount.unmount()
        let log = fixture.mount.log
        XCTAssertTrue(log.contains("debug"), "the log is at debug level")
        let key = try String(contentsOf: fixture.pki.userKey, encoding: .utf8)
        let keyBody = key.split(separator: "\n").dropFirst().first.map(String.init) ?? "unreadable key"
        let config = try String(contentsOf: fixture.mount.configURL, encoding: .utf8)
        let secrets = ["alice-password", keyBody, "PRIVATE KEY"]
            + Self.values(of: "api_secret", in: config)
        for secret in secrets where !secret.isEmpty {
            XCTAssertFalse(log.contains(secret), "the log contains a secret (\(secret.prefix(6))...)")
        }
        XCTAssertFalse(log.range(of: "Bearer [A-Za-z0-9._-]{8,}", options: .regularExpression) != nil, "no bearer token")
    }

    func testAConfigFileWithSecretsThatOthersCanReadIsWarnedAbout() throws {
        chmod(fixture.mount.configURL.path, 0o644)
        try fixture.mount.mount()
        XCTAssertTrue(fixture.mount.log.contains("readable by other users"), String(fixture.mount.log.prefix(2000)))
        fixture.mount.unmount()
        chmod(fixture.mount.configURL.path, 0o600)
        try Data().write(to: fixture.mount.logURL)
        try fixture.mount.mount()
        XCTAssertFalse(fixture.mount.log.contains("readable by other users"))
    }

    private static func values(of key: String, in config: String) -> [String] {
        config.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0] == key else { return nil }
            return parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
    }
}
