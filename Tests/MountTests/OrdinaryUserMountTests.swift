import Foundation
import XCTest

/// Mounting as researchers do: an ordinary user (uid 65534) through the setuid `fusermount3`. With /dev/fuse 0666,
/// as Debian's udev rule leaves it, the mount lists, reads, writes and unmounts; with /dev/fuse 0600 it fails with
/// one message naming the cause and the fix, exit status 1, no crash and nothing left running. The demo likewise.
/// /dev/fuse's mode is restored after every test.
final class OrdinaryUserMountTests: XCTestCase {
    private var fixture: MountFixture!
    private var user: OrdinaryUser!
    private var started: [Process] = []

    override func setUpWithError() throws {
        guard geteuid() == 0 else { throw XCTSkip("switching to another uid needs root") }
        fixture = try MountFixture()
        try FileManager.default.createDirectory(at: fixture.cacheRoot, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: fixture.logURL.path, contents: nil)
        chmod(fixture.configURL.path, 0o600)
        user = try OrdinaryUser(root: fixture.root,
                                owned: [fixture.mountpoint, fixture.cacheRoot, fixture.configURL, fixture.logURL])
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log ---\n\(fixture.log.suffix(4000))")
        }
        // Root may unmount any user's FUSE mount; then every process this test started is ended, by its PID.
        if let fixture, fixture.isMounted { fixture.run("fusermount3", ["-u", fixture.mountpoint.path]) }
        for process in started {
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        if let fixture, fixture.isMounted { fixture.run("fusermount3", ["-uz", fixture.mountpoint.path]) }
        started = []
        fixture?.tearDown()
        fixture = nil
    }

    private func mountArguments(_ options: [String] = []) -> [String] {
        ["mount", "-f", "--config", fixture.configURL.path, "--log-file", fixture.logURL.path]
            + options.flatMap { ["-o", $0] } + [fixture.mountpoint.path]
    }

    /// Waits until the mount shows in mountinfo or `process` exits; true when mounted.
    private func waitForMount(_ process: Process, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if fixture.isMounted { return true }
            if !process.isRunning { return false }
            usleep(50_000)
        }
        return fixture.isMounted
    }

    func testAnOrdinaryUserMountsListsReadsWritesAndUnmounts() throws {
        let restore = try DevFuse.setMode(0o666)
        defer { restore() }
        try fixture.writeServerFile("notes/readme.txt", Data("for the researcher\n".utf8))
        let output = fixture.root.appendingPathComponent("mount.out")
        let daemon = try user.start(mountArguments(), output: output)
        started.append(daemon)
        XCTAssertTrue(waitForMount(daemon, timeout: 60), (try? String(contentsOf: output, encoding: .utf8)) ?? "")

        let ls = user.run(fixture, "ls", [fixture.path("notes")])
        XCTAssertEqual(ls.status, 0, ls.stderr)
        XCTAssertEqual(ls.lines, ["readme.txt"])
        XCTAssertEqual(user.run(fixture, "cat", [fixture.path("notes/readme.txt")]).text, "for the researcher\n")
        let write = user.run(fixture, "sh", ["-c", "echo 'written by uid 65534' > '\(fixture.path("notes/result.txt"))'"])
        XCTAssertEqual(write.status, 0, write.stderr)
        XCTAssertEqual(try String(contentsOf: fixture.serverFile("notes/result.txt"), encoding: .utf8), "written by uid 65534\n")
        XCTAssertNotEqual(fixture.run("ls", [fixture.path("notes")]).status, 0, "without allow_other not even root enters")

        let unmount = user.run(fixture, "fusermount3", ["-u", fixture.mountpoint.path])
        XCTAssertEqual(unmount.status, 0, unmount.stderr)
        daemon.waitUntilExit()
        XCTAssertEqual(daemon.terminationStatus, 0)
        XCTAssertFalse(fixture.isMounted)
    }

    func testWithDevFuse0600TheMountFailsWithOneMessageAndLeavesNothingRunning() throws {
        let restore = try DevFuse.setMode(0o600)
        defer { restore() }
        for arguments in [mountArguments(), ["mount", "--config", fixture.configURL.path, fixture.mountpoint.path]] {
            let mount = user.run(fixture, user.binary, arguments, timeout: 60)
            XCTAssertEqual(mount.status, 1, "a clean failure, not a crash (132 is SIGILL): \(mount.stderr)")
            let lines = mount.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "one message: \(mount.stderr)")
            XCTAssertTrue(mount.stderr.contains("/dev/fuse is not readable and writable by you (mode 0600"), mount.stderr)
            XCTAssertTrue(mount.stderr.contains("chmod 0666 /dev/fuse"), "the fix is named: \(mount.stderr)")
            XCTAssertFalse(mount.stderr.contains("Illegal instruction") || mount.stderr.contains("crashed"), mount.stderr)
            XCTAssertFalse(fixture.isMounted)
            XCTAssertEqual(OrdinaryUser.processes(mentioning: fixture.mountpoint.path), [], "nothing left running")
        }
    }

    func testAMountpointTheUserMayNotWriteToIsNamedWithItsFix() throws {
        let restore = try DevFuse.setMode(0o666)
        defer { restore() }
        let rootsOwn = fixture.root.appendingPathComponent("roots-own")
        try FileManager.default.createDirectory(at: rootsOwn, withIntermediateDirectories: true)
        chmod(rootsOwn.path, 0o755)
        let mount = user.run(fixture, user.binary, ["mount", "-f", "--config", fixture.configURL.path, rootsOwn.path], timeout: 60)
        XCTAssertEqual(mount.status, 1, mount.stderr)
        XCTAssertTrue(mount.stderr.contains("you may not write to it"), mount.stderr)
        XCTAssertTrue(mount.stderr.contains("mount on a directory of your own"), mount.stderr)
    }

    func testAllowOtherWithoutUserAllowOtherIsNamedWithItsFix() throws {
        let conf = (try? String(contentsOfFile: "/etc/fuse.conf", encoding: .utf8)) ?? ""
        if conf.split(separator: "\n").contains(where: { $0.trimmingCharacters(in: .whitespaces) == "user_allow_other" }) {
            throw XCTSkip("/etc/fuse.conf allows allow_other on this machine")
        }
        let restore = try DevFuse.setMode(0o666)
        defer { restore() }
        let mount = user.run(fixture, user.binary, mountArguments(["allow_other"]), timeout: 60)
        XCTAssertEqual(mount.status, 1, mount.stderr)
        XCTAssertTrue(mount.stderr.contains("/etc/fuse.conf does not contain user_allow_other"), mount.stderr)
        XCTAssertTrue(mount.stderr.contains("add a line user_allow_other"), mount.stderr)
        XCTAssertFalse(fixture.isMounted)
    }

    /// The demo's stop command is run exactly as the demo printed it (the `sciencefs` beside `sciencefs-demo`, by its
    /// full path): the demo then exits 0 without a single error or warning line.
    func testTheDemoAsAnOrdinaryUserStartsAndStopsCleanlyKeepingItsStateInItsHome() throws {
        let restore = try DevFuse.setMode(0o666)
        defer { restore() }
        let output = fixture.root.appendingPathComponent("demo.out")
        let demo = try user.start([fixture.mountpoint.path], program: user.demoBinary, output: output)
        started.append(demo)
        XCTAssertTrue(waitForMount(demo, timeout: 180), (try? String(contentsOf: output, encoding: .utf8)) ?? "")
        let ls = user.run(fixture, "ls", [fixture.mountpoint.path])
        XCTAssertEqual(ls.lines, ["agave", "amie", "jdma", "rucio", "tapis"], ls.stderr)
        let state = user.home.appendingPathComponent(".cache/sciencefs/demo")
        XCTAssertTrue(FileManager.default.fileExists(atPath: state.appendingPathComponent("agave").path),
                      "the demo keeps its state under $HOME/.cache/sciencefs/demo")
        let config = try FileManager.default.attributesOfItem(atPath: state.appendingPathComponent("config.toml").path)
        XCTAssertEqual((config[.posixPermissions] as? NSNumber)?.intValue, 0o600, "the config holds secrets: owner only")
        XCTAssertEqual((config[.ownerAccountID] as? NSNumber)?.uint32Value, OrdinaryUser.uid)

        waitForTour(output)
        let stop = try printedCommand(after: "Stop with Ctrl-C or: ", in: output)
        XCTAssertTrue(stop.hasPrefix("/"), "the binary by its full path: \(stop)")
        let unmount = user.run(fixture, "sh", ["-c", stop])
        XCTAssertEqual(unmount.status, 0, unmount.stderr)
        assertDemoStoppedCleanly(demo, output: output)
    }

    /// Ctrl-C on a mounted demo: the printed `status` command works as printed, then the signal reaches the mount
    /// process, which unmounts; the demo stops its services and exits 0, with no error or warning line.
    func testCtrlCOnAMountedDemoUnmountsAndStopsWithoutAnErrorLine() throws {
        let restore = try DevFuse.setMode(0o666)
        defer { restore() }
        let output = fixture.root.appendingPathComponent("demo.out")
        let demo = try user.start([fixture.mountpoint.path], program: user.demoBinary, output: output)
        started.append(demo)
        XCTAssertTrue(waitForMount(demo, timeout: 180), (try? String(contentsOf: output, encoding: .utf8)) ?? "")
        waitForTour(output)
        let statusCommand = try printedCommand(after: "  ", containing: " status ", in: output)
        let status = user.run(fixture, "sh", ["-c", statusCommand])
        XCTAssertEqual(status.status, 0, "\(statusCommand)\n\(status.stderr)")
        XCTAssertTrue(status.text.contains("(pid "), status.text)

        kill(demo.processIdentifier, SIGINT)
        let text = assertDemoStoppedCleanly(demo, output: output)
        XCTAssertTrue(text.contains("demo unmounted"), text)
    }

    /// A demo asked to stop: it exits 0 with no error or warning line, unmounted, leaving nothing running.
    /// Returns its output.
    @discardableResult
    private func assertDemoStoppedCleanly(_ demo: Process, output: URL,
                                          file: StaticString = #filePath, line: UInt = #line) -> String {
        demo.waitUntilExit()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        XCTAssertEqual(demo.terminationStatus, 0, text, file: file, line: line)
        XCTAssertEqual(Self.complaints(in: text), [], "a stop that was asked for is no error", file: file, line: line)
        XCTAssertFalse(fixture.isMounted, file: file, line: line)
        XCTAssertEqual(OrdinaryUser.processes(mentioning: fixture.root.path), [], "no emulator, nginx or daemon left",
                       file: file, line: line)
        return text
    }

    /// The rest of the first line of the demo's output that starts with `prefix` (and contains `needle`).
    private func printedCommand(after prefix: String, containing needle: String? = nil, in output: URL) throws -> String {
        let text = try String(contentsOf: output, encoding: .utf8)
        return try XCTUnwrap(Self.line(after: prefix, containing: needle, in: text),
                             "no line \(prefix)…\(needle ?? "") in:\n\(text)")
    }

    private static func line(after prefix: String, containing needle: String?, in text: String) -> String? {
        let line = text.split(separator: "\n").first { $0.hasPrefix(prefix) && (needle.map($0.contains) ?? true) }
        return line.map { String($0.dropFirst(prefix.count)) }
    }

    /// Waits (up to 60 s) until the demo has printed its tour, which follows the mount by a moment.
    private func waitForTour(_ output: URL) {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if Self.line(after: "Stop with Ctrl-C or: ", containing: nil, in: text) != nil { return }
            usleep(50_000)
        }
    }

    /// Log lines at warning level or above (the demo's own and the mount's) and command errors.
    static func complaints(in text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { line in
            line.hasPrefix("Error:") || [" warning ", " error ", " critical "].contains { line.contains($0) }
        }
    }

    func testTheDemoWithDevFuse0600FailsCleanlyAndLeavesNoNginx() throws {
        let restore = try DevFuse.setMode(0o600)
        defer { restore() }
        let demo = user.run(fixture, user.demoBinary, [fixture.mountpoint.path], timeout: 120)
        XCTAssertEqual(demo.status, 1, "a clean failure, not a crash: \(demo.stderr)")
        XCTAssertTrue(demo.stderr.contains("/dev/fuse is not readable and writable by you"), demo.stderr)
        XCTAssertEqual(demo.stderr.split(separator: "\n").count, 1, "one message: \(demo.stderr)")
        XCTAssertFalse(fixture.isMounted)
        XCTAssertEqual(OrdinaryUser.processes(mentioning: fixture.root.path), [], "no emulator, nginx or daemon left")
    }

    /// The demo's own state directory, owned by the user, with `config.toml` replaced by a directory: every service
    /// (nginx included) is up when writing the config fails.
    func testADemoThatFailsAfterItsServicesStartedStopsThemAll() throws {
        let restore = try DevFuse.setMode(0o666)
        defer { restore() }
        let state = user.home.appendingPathComponent("demo-state")
        try FileManager.default.createDirectory(at: state.appendingPathComponent("config.toml"), withIntermediateDirectories: true)
        for url in [state, state.appendingPathComponent("config.toml")] { chown(url.path, OrdinaryUser.uid, OrdinaryUser.gid) }
        let demo = user.run(fixture, user.demoBinary, ["--state", state.path, fixture.mountpoint.path], timeout: 300)
        XCTAssertEqual(demo.status, 1, demo.stderr)
        XCTAssertTrue(demo.text.contains("emulated FTS3 server"), "nginx was running when it failed: \(demo.text)")
        XCTAssertTrue(demo.stderr.contains("config.toml"), demo.stderr)
        XCTAssertFalse(fixture.isMounted)
        XCTAssertEqual(OrdinaryUser.processes(mentioning: fixture.root.path), [], "no emulator, nginx or daemon left")
    }

    /// Ctrl-C once nginx runs: before the mount is up the demo's own handler stops everything (exit 130); once it is
    /// up libfuse's handler unmounts and the demo returns (exit 0). Either way nothing is left.
    func testCtrlCDuringTheDemosSetupLeavesNothingRunning() throws {
        let restore = try DevFuse.setMode(0o666)
        defer { restore() }
        let output = fixture.root.appendingPathComponent("demo.out")
        let demo = try user.start([fixture.mountpoint.path], program: user.demoBinary, output: output)
        started.append(demo)
        let state = user.home.appendingPathComponent(".cache/sciencefs/demo").path
        var nginxSeen = false
        while demo.isRunning && !nginxSeen {
            nginxSeen = OrdinaryUser.processes(mentioning: state).contains { $0.contains("nginx") }
            if !nginxSeen { usleep(20_000) }
        }
        XCTAssertTrue(nginxSeen, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
        kill(demo.processIdentifier, SIGINT)
        demo.waitUntilExit()
        XCTAssertTrue([0, 130].contains(demo.terminationStatus), "status \(demo.terminationStatus)")
        XCTAssertFalse(fixture.isMounted)
        XCTAssertEqual(OrdinaryUser.processes(mentioning: fixture.root.path), [], "no emulator, nginx or daemon left")
    }

    /// Even a demo killed with SIGKILL (no handler runs) leaves no nginx: nginx carries a parent-death signal.
    func testADemoKilledOutrightLeavesNoNginx() throws {
        let restore = try DevFuse.setMode(0o666)
        defer { restore() }
        let output = fixture.root.appendingPathComponent("demo.out")
        let demo = try user.start([fixture.mountpoint.path], program: user.demoBinary, output: output)
        started.append(demo)
        XCTAssertTrue(waitForMount(demo, timeout: 180), (try? String(contentsOf: output, encoding: .utf8)) ?? "")
        let state = user.home.appendingPathComponent(".cache/sciencefs/demo").path
        XCTAssertTrue(OrdinaryUser.processes(mentioning: state).contains { $0.contains("nginx") }, "nginx runs")
        kill(demo.processIdentifier, SIGKILL)
        demo.waitUntilExit()
        // nginx gets its SIGTERM from the kernel as the demo dies; wait for it to finish exiting.
        let deadline = Date().addingTimeInterval(15)
        while !OrdinaryUser.processes(mentioning: state).isEmpty && Date() < deadline { usleep(50_000) }
        XCTAssertEqual(OrdinaryUser.processes(mentioning: state), [], "no nginx left")
    }
}
