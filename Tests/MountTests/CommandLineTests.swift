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
}
