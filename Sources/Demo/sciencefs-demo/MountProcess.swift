import Foundation

/// The demo's mount: the real `sciencefs mount -f CONFIG MOUNTPOINT`, run as a child process the way a user runs
/// it. It shares the demo's terminal (its log goes to the demo's stderr).
///
/// It is spawned with SIGINT, SIGTERM and SIGHUP at their default disposition (the demo ignores them while its
/// dispatch sources take them, and libfuse installs its own handlers only over the default), and, through
/// `setpriv --pdeathsig TERM` when setpriv is installed, with a parent-death signal: a demo killed outright leaves no
/// mount process behind, its SIGTERM makes libfuse unmount.
///
/// `@unchecked Sendable` because `lock` guards `waitStatus`: signalling and reaping take it, so no signal can reach
/// a reaped (and possibly reused) process id.
final class MountProcess: @unchecked Sendable {
    static let setpriv = "/usr/bin/setpriv"

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    let pid: pid_t
    private let lock = NSLock()
    private var waitStatus: Int32?

    /// Must be called on the thread that outlives the child (the main thread): the parent-death signal follows the
    /// thread that spawned it.
    init(executable: String, arguments: [String]) throws {
        var argv = [executable] + arguments
        var path = executable
        if FileManager.default.isExecutableFile(atPath: Self.setpriv) {
            // setpriv sets the signal and execs sciencefs: same process id, and `ps` shows `sciencefs mount`.
            argv = [Self.setpriv, "--pdeathsig", "TERM", "--"] + argv
            path = Self.setpriv
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, signalNumber) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        // Its own process group: a Ctrl-C at the terminal reaches only the demo, which passes it on once. Sent to
        // both, the second copy could land after libfuse took its handlers down and kill the mount mid-teardown.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        let cEnvironment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cEnvironment.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, path, nil, &attributes, cArguments, cEnvironment)
        guard result == 0 else {
            throw SpawnError(description: "cannot start \(path): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    /// The wait status once the process has exited (it is reaped then), nil while it runs.
    func exitStatus() -> Int32? {
        lock.withLock {
            if waitStatus == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { waitStatus = status }
            }
            return waitStatus
        }
    }

    var isRunning: Bool { exitStatus() == nil }

    func send(_ signalNumber: Int32) {
        lock.withLock {
            if waitStatus == nil { _ = kill(pid, signalNumber) }
        }
    }

    /// Waits until the process exits; returns its wait status.
    func waitForExit() -> Int32 {
        while true {
            if let status = exitStatus() { return status }
            usleep(50_000)
        }
    }

    /// SIGTERM (libfuse unmounts and returns), then SIGKILL if it is still running after 10 s.
    func stop() {
        send(SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while isRunning && Date() < deadline { usleep(50_000) }
        send(SIGKILL)
        _ = waitForExit()
    }

    /// The exit code a shell would show for `status`: the code itself, or 128 + the signal that ended the process.
    static func exitCode(_ status: Int32) -> Int32 {
        let signalNumber = status & 0x7f
        return signalNumber == 0 ? (status >> 8) & 0xff : 128 + signalNumber
    }
}
