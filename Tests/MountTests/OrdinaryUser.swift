import Foundation
import XCTest

/// An unprivileged user (uid and gid 65534, no supplementary groups) for tests that run as root: the way
/// researchers mount, through the setuid `fusermount3`. Commands run through `setpriv` with this user's own `HOME`.
struct OrdinaryUser {
    static let uid: uid_t = 65534
    static let gid: gid_t = 65534

    /// Owned by the user: `HOME`, where the demo and a config-less mount keep their state.
    let home: URL
    /// The `sciencefs` binary, where this user can execute it.
    let binary: String
    /// The `sciencefs-demo` binary, in the same directory as `binary` (it mounts with the `sciencefs` beside it).
    let demoBinary: String

    /// Gives the user a home under `root` and hands them `owned` (mountpoint, cache directory, config, log).
    /// The build directory may not be reachable by others; the two binaries are then copied into `root`.
    init(root: URL, owned: [URL]) throws {
        home = root.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        chmod(root.path, 0o755)
        for url in [home] + owned { chown(url.path, Self.uid, Self.gid) }
        let built = MountFixture.binary.path
        let builtDemo = MountFixture.demoBinary.path
        if Self.canExecute(built) && Self.canExecute(builtDemo) {
            binary = built
            demoBinary = builtDemo
        } else {
            let directory = root.appendingPathComponent("bin")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var copies: [String] = []
            for path in [built, builtDemo] {
                let copy = directory.appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent).path
                try FileManager.default.copyItem(atPath: path, toPath: copy)
                chmod(copy, 0o755)
                copies.append(copy)
            }
            binary = copies[0]
            demoBinary = copies[1]
        }
    }

    /// `setpriv` arguments that run the rest of the command line as this user with `HOME` set and no XDG overrides.
    var prefix: [String] {
        ["setpriv", "--reuid=\(Self.uid)", "--regid=\(Self.gid)", "--clear-groups",
         "env", "-u", "XDG_CONFIG_HOME", "-u", "XDG_CACHE_HOME", "HOME=\(home.path)"]
    }

    /// Runs `tool` as this user through the fixture's runner (which collects stdout and stderr).
    @discardableResult
    func run(_ fixture: MountFixture, _ tool: String, _ arguments: [String], timeout: TimeInterval = 120) -> MountFixture.Result {
        fixture.run(prefix[0], Array(prefix.dropFirst()) + [tool] + arguments, timeout: timeout)
    }

    /// Starts `sciencefs ARGUMENTS` (or another of the built programs, `program`) as this user in the background;
    /// stdout and stderr go to `output`.
    func start(_ arguments: [String], program: String? = nil, output: URL) throws -> Process {
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = prefix + [program ?? binary] + arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    private static func canExecute(_ path: String) -> Bool {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        check.arguments = ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "test", "-x", path]
        guard (try? check.run()) != nil else { return false }
        check.waitUntilExit()
        return check.terminationStatus == 0
    }

    /// Processes whose command line mentions `text` (e.g. a test's temporary directory): what a command left running.
    static func processes(mentioning text: String) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
        return pids.compactMap { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
            let commandLine = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return commandLine.contains(text) ? "\(pid): \(commandLine)" : nil
        }
    }
}

/// Sets /dev/fuse's mode for one test and gives back a closure that restores it (call it from a `defer`).
enum DevFuse {
    static func setMode(_ mode: mode_t) throws -> () -> Void {
        var info = stat()
        guard stat("/dev/fuse", &info) == 0 else { throw XCTSkip("no /dev/fuse on this machine") }
        let original = info.st_mode & 0o7777
        guard chmod("/dev/fuse", mode) == 0 else { throw XCTSkip("cannot chmod /dev/fuse (not root?)") }
        return { chmod("/dev/fuse", original) }
    }
}
