import AgaveEmulator
import Foundation
import XCTest

/// The commands a user types: `sciencefs mount` (in the background), `status`, `unmount`, `mount -t fuse.sciencefs`,
/// and what happens to accepted writes when the daemon dies.
final class CommandLineTests: XCTestCase {
    private var fixture: MountFixture!

    override func setUpWithError() throws {
        fixture = try MountFixture()
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log ---\n\(fixture.log.suffix(4000))")
        }
        if let fixture, fixture.isMounted { fixture.run("fusermount3", ["-u", fixture.mountpoint.path]) }
        if let fixture { waitForDaemonExit(fixture) }
        fixture?.tearDown()
        fixture = nil
    }

    private var binary: String { MountFixture.binary.path }

    /// Ends a background daemon started by a test (found through the mount registry) once it is unmounted.
    private func waitForDaemonExit(_ fixture: MountFixture) {
        let registry = fixture.cacheRoot.appendingPathComponent("mounts")
        for file in (try? FileManager.default.contentsOfDirectory(at: registry, includingPropertiesForKeys: nil)) ?? [] {
            guard let data = try? Data(contentsOf: file),
                  let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let pid = json["pid"] as? Int32 else { continue }
            for _ in 0..<100 where kill(pid, 0) == 0 { usleep(100_000) }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
    }

    func testMountInTheBackgroundThenStatusThenUnmount() throws {
        try fixture.writeServerFile("a.txt", Data("hello\n".utf8))
        let mount = fixture.run(binary, ["mount", "--config", fixture.configURL.path, fixture.mountpoint.path])
        XCTAssertEqual(mount.status, 0, mount.stderr)
        XCTAssertTrue(fixture.isMounted, "mount returns only once the filesystem answers")
        XCTAssertEqual(fixture.run("cat", [fixture.path("a.txt")]).text, "hello\n")

        let status = fixture.run(binary, ["status", "--config", fixture.configURL.path, fixture.mountpoint.path])
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.text.contains(fixture.mountpoint.path), status.text)
        XCTAssertTrue(status.text.contains("sources:        agave"), status.text)
        XCTAssertTrue(status.text.contains("data cache:"), status.text)

        let unmount = fixture.run(binary, ["unmount", fixture.mountpoint.path])
        XCTAssertEqual(unmount.status, 0, unmount.stderr)
        XCTAssertFalse(fixture.isMounted)
        XCTAssertTrue(unmount.text.contains("unmounted"), unmount.text)
    }

    func testMountCommandOfMountEightUsesTheHelper() throws {
        try fixture.writeServerFile("b.txt", Data("via mount(8)\n".utf8))
        let helper = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("mount-helpers/mount.sciencefs")
        // mount(8) looks for /sbin/mount.fuse.sciencefs; the test runs the helper the same way mount(8) would.
        let result = fixture.run("env", ["SCIENCEFS=\(binary)", helper.path, fixture.configURL.path, fixture.mountpoint.path,
                                         "-o", "rw,noauto,user,_netdev"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(fixture.isMounted)
        XCTAssertEqual(fixture.run("cat", [fixture.path("b.txt")]).text, "via mount(8)\n")
        XCTAssertEqual(fixture.run(binary, ["unmount", fixture.mountpoint.path]).status, 0)
    }

    func testReadOnlyMountRefusesWrites() throws {
        try fixture.writeServerFile("c.txt", Data("x".utf8))
        try fixture.mount(options: ["ro"])
        let touch = fixture.run("touch", [fixture.path("new.txt")])
        XCTAssertNotEqual(touch.status, 0)
        XCTAssertTrue(touch.stderr.contains("Read-only file system"), touch.stderr)
        XCTAssertEqual(fixture.run("cat", [fixture.path("c.txt")]).text, "x")
    }

    func testWritesOfAKilledDaemonAreUploadedAtTheNextMount() throws {
        try FileManager.default.createDirectory(at: fixture.serverFile("inbox"), withIntermediateDirectories: true)
        try fixture.mount()
        // A writer that has written its bytes but not closed the file when the daemon dies.
        let target = fixture.path("inbox/unfinished.txt")
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        writer.arguments = ["python3", "-c", """
            import os, sys, time
            fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
            os.write(fd, b"accepted bytes\\n")
            print("written", flush=True)
            time.sleep(60)
            """, target]
        let out = Pipe()
        writer.standardOutput = out
        try writer.run()
        defer { if writer.isRunning { writer.terminate() } }
        _ = out.fileHandleForReading.availableData  // "written"
        let daemon = try XCTUnwrap(fixture.process)
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        writer.terminate()
        writer.waitUntilExit()
        fixture.run("fusermount3", ["-uz", fixture.mountpoint.path])
        fixture.unmount()
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.serverFile("inbox/unfinished.txt").path))

        try fixture.mount()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: fixture.serverFile("inbox/unfinished.txt").path) && Date() < deadline {
            usleep(100_000)
        }
        XCTAssertEqual(try? String(contentsOf: fixture.serverFile("inbox/unfinished.txt"), encoding: .utf8), "accepted bytes\n",
                       "the journal resumed the upload")
        XCTAssertTrue(fixture.log.contains("resuming journaled upload"), fixture.log.suffix(2000).description)
    }

    // MARK: a mount that cannot be made: exit 1, one message naming the cause and the fix, no crash

    private func failedMount(_ arguments: [String] = []) -> MountFixture.Result {
        fixture.run(binary, ["mount", "-f", "--config", fixture.configURL.path] + arguments + [fixture.mountpoint.path],
                    timeout: 60)
    }

    func testMountOnANonEmptyDirectoryNamesTheCauseAndTheFix() throws {
        try Data("mine\n".utf8).write(to: fixture.mountpoint.appendingPathComponent("keep.txt"))
        let mount = failedMount()
        XCTAssertEqual(mount.status, 1, mount.stderr)
        XCTAssertEqual(mount.stderr.split(separator: "\n").count, 1, "one message: \(mount.stderr)")
        XCTAssertTrue(mount.stderr.contains("it is not empty (1 entry)"), mount.stderr)
        XCTAssertTrue(mount.stderr.contains("Fix: mount on an empty directory"), mount.stderr)
        XCTAssertFalse(fixture.isMounted)
    }

    func testMountOnAMissingDirectoryOrAFileNamesTheCause() throws {
        let missing = fixture.root.appendingPathComponent("not-there")
        let noDirectory = fixture.run(binary, ["mount", "-f", "--config", fixture.configURL.path, missing.path])
        XCTAssertEqual(noDirectory.status, 1, noDirectory.stderr)
        XCTAssertTrue(noDirectory.stderr.contains("it does not exist. Fix: create it (mkdir -p"), noDirectory.stderr)
        let file = fixture.root.appendingPathComponent("plain-file")
        try Data().write(to: file)
        let onFile = fixture.run(binary, ["mount", "--config", fixture.configURL.path, file.path])
        XCTAssertEqual(onFile.status, 1, onFile.stderr)
        XCTAssertTrue(onFile.stderr.contains("it is not a directory"), onFile.stderr)
    }

    func testABackgroundMountWhoseDaemonFailsPrintsTheDaemonsOneMessage() throws {
        // A Rucio source with nothing configured: only the daemon, building its backends, finds out.
        try fixture.appendConfig("[sources.broken]\ntype = \"rucio\"\nrucio_config = \"\(fixture.root.path)/no-rucio.cfg\"")
        let mount = fixture.run(binary, ["mount", "--config", fixture.configURL.path, fixture.mountpoint.path], timeout: 90)
        XCTAssertEqual(mount.status, 1, mount.stderr)
        XCTAssertEqual(mount.stderr.split(separator: "\n").count, 1, "one message, not a log tail: \(mount.stderr)")
        XCTAssertTrue(mount.stderr.contains("source broken:"), mount.stderr)
        XCTAssertFalse(fixture.isMounted)
        XCTAssertEqual(OrdinaryUser.processes(mentioning: fixture.mountpoint.path), [], "no daemon left")
    }

    func testMountingWhereSciencefsIsAlreadyMountedSaysSo() throws {
        try fixture.mount()
        let again = failedMount()
        XCTAssertEqual(again.status, 1, again.stderr)
        XCTAssertTrue(again.stderr.contains("a sciencefs mount is already there"), again.stderr)
        XCTAssertTrue(again.stderr.contains("sciencefs unmount \(fixture.mountpoint.path)"), again.stderr)
        XCTAssertTrue(fixture.isMounted, "the first mount is untouched")
    }

    func testAStaleMountIsNamedWithFusermountAsTheFix() throws {
        try fixture.mount()
        let daemon = try XCTUnwrap(fixture.process)
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        XCTAssertTrue(fixture.isMounted, "the kernel keeps the mount of a killed daemon: a stale mount")
        let mount = failedMount()
        XCTAssertEqual(mount.status, 1, mount.stderr)
        XCTAssertTrue(mount.stderr.contains("a stale mount is there"), mount.stderr)
        XCTAssertTrue(mount.stderr.contains("Fix: fusermount3 -u \(fixture.mountpoint.path)"), mount.stderr)
        XCTAssertEqual(fixture.run("fusermount3", ["-u", fixture.mountpoint.path]).status, 0, "the fix works")
        try fixture.mount()
        XCTAssertTrue(fixture.isMounted, "and the next mount succeeds")
    }

    // MARK: $HOME and XDG

    /// Runs the binary with exactly these HOME/XDG variables (the test's own are removed).
    private func runAs(home: URL, xdgConfig: URL? = nil, xdgCache: URL? = nil, _ arguments: [String]) -> MountFixture.Result {
        var environment = ["-u", "XDG_CONFIG_HOME", "-u", "XDG_CACHE_HOME", "HOME=\(home.path)"]
        if let xdgConfig { environment.append("XDG_CONFIG_HOME=\(xdgConfig.path)") }
        if let xdgCache { environment.append("XDG_CACHE_HOME=\(xdgCache.path)") }
        return fixture.run("env", environment + [binary] + arguments)
    }

    func testHomeAndTheXDGVariablesDecideWhereConfigAndStateLive() throws {
        try fixture.writeServerFile("h.txt", Data("home\n".utf8))
        // The fixture's config without its cache_dir: the cache then goes where the environment says.
        let config = try String(contentsOf: fixture.configURL, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("cache_dir") }
            .joined(separator: "\n")
        let homeA = fixture.root.appendingPathComponent("home-a")
        let homeB = fixture.root.appendingPathComponent("home-b")
        let xdgConfig = fixture.root.appendingPathComponent("xdg-config")
        let xdgCache = fixture.root.appendingPathComponent("xdg-cache")
        for configHome in [homeA.appendingPathComponent(".config"), xdgConfig] {
            try FileManager.default.createDirectory(at: configHome.appendingPathComponent("sciencefs"), withIntermediateDirectories: true)
            try config.write(to: configHome.appendingPathComponent("sciencefs/config.toml"), atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(at: homeB, withIntermediateDirectories: true)

        // HOME alone: $HOME/.config/sciencefs/config.toml and $HOME/.cache/sciencefs.
        XCTAssertEqual(runAs(home: homeA, ["mount", fixture.mountpoint.path]).status, 0)
        XCTAssertEqual(fixture.run("cat", [fixture.path("h.txt")]).text, "home\n")
        let registryA = homeA.appendingPathComponent(".cache/sciencefs/mounts")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: registryA.path).count, 1, "the mount registers under $HOME")
        let status = runAs(home: homeA, ["status", fixture.mountpoint.path])
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.text.contains("cache dir:      \(homeA.path)/.cache/sciencefs/"), status.text)
        XCTAssertEqual(runAs(home: homeA, ["unmount", fixture.mountpoint.path]).status, 0)
        XCTAssertFalse(fixture.isMounted)

        // The XDG variables win over HOME (home-b has no config at all).
        XCTAssertEqual(runAs(home: homeB, xdgConfig: xdgConfig, xdgCache: xdgCache, ["mount", fixture.mountpoint.path]).status, 0)
        XCTAssertTrue(fixture.isMounted)
        let registry = xdgCache.appendingPathComponent("sciencefs/mounts")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: registry.path).count, 1, "the mount registers under $XDG_CACHE_HOME")
        XCTAssertFalse(FileManager.default.fileExists(atPath: homeB.appendingPathComponent(".cache").path), "nothing under HOME")
        XCTAssertEqual(runAs(home: homeB, xdgConfig: xdgConfig, xdgCache: xdgCache, ["unmount", fixture.mountpoint.path]).status, 0)
        XCTAssertFalse(fixture.isMounted)
    }
}
