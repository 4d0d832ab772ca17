import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a finished child process left: its exit status and everything it wrote to stdout and stderr, interleaved
/// as written (both go to one file).
public struct ProcessOutput: Sendable {
    /// The exit code, or 128 + the signal number when a signal ended it (as a shell reports it).
    public var status: Int32
    /// stdout and stderr, combined.
    public var data: Data
    /// Whether `timeout` ran out and the child's process group was signalled.
    public var timedOut: Bool

    /// `data` as text (invalid UTF-8 repaired).
    public var output: String { String(decoding: data, as: UTF8.self) }
}

/// The child could not be started at all (no such file, not executable, …).
public struct SpawnError: Error, CustomStringConvertible {
    public var executable: String
    public var code: Int32
    public var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
}

/// Running real programs from tests: the Python clients of the fidelity tests, `openssl`, harness scripts.
public enum TestProcess {
    /// The first executable called `tool` in a directory on `$PATH`.
    public static func which(_ tool: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `executable` (a path) to completion and returns its exit status and combined output.
    ///
    /// - `environment` is laid over this process's environment; a `nil` value removes the variable.
    /// - stdin is `input` when given, else /dev/null.
    /// - With `timeout`, the child's process group gets SIGTERM when it runs out and SIGKILL 5 s later.
    /// - The output goes to `outputFile` when given (and stays there), else to a temporary file that is removed.
    ///
    /// Spawned with posix_spawn and reaped with waitpid, and the output is a file rather than a pipe, so programs
    /// that leave daemons behind (a server start script) return as soon as they exit: Foundation.Process hands the
    /// child a descriptor it watches for the exit, and daemons that inherit it keep `waitUntilExit` from returning.
    /// As Foundation.Process does, the child gets no other descriptor of this process and leads its own process group.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String?] = [:],
                           input: String? = nil, timeout: TimeInterval? = nil, outputFile: URL? = nil) throws -> ProcessOutput {
        let temporary = FileManager.default.temporaryDirectory
        let log = outputFile ?? temporary.appendingPathComponent("sciencefs-run-\(UUID().uuidString).log")
        defer { if outputFile == nil { try? FileManager.default.removeItem(at: log) } }
        let inputFile = input.map { _ in temporary.appendingPathComponent("sciencefs-run-\(UUID().uuidString).in") }
        defer { if let inputFile { try? FileManager.default.removeItem(at: inputFile) } }
        if let input, let inputFile { try Data(input.utf8).write(to: inputFile) }

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawn_file_actions_addopen(&actions, 0, inputFile?.path ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var flags = Int32(POSIX_SPAWN_SETPGROUP)
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #else
        for descriptor in openDescriptors() where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var variables = ProcessInfo.processInfo.environment
        for (name, value) in environment { variables[name] = value }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0)=\($1)") } + [nil]
        defer { envp.forEach { free($0) } }

        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw SpawnError(executable: executable, code: spawned) }
        let (status, timedOut) = wait(for: pid, timeout: timeout)
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ProcessOutput(status: exitCode, data: (try? Data(contentsOf: log)) ?? Data(), timedOut: timedOut)
    }

    /// Reaps `pid`, signalling its process group when `timeout` runs out (SIGTERM, then SIGKILL after 5 s).
    private static func wait(for pid: pid_t, timeout: TimeInterval?) -> (status: Int32, timedOut: Bool) {
        var status: Int32 = 0
        guard let timeout else {
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return (status, false)
        }
        var deadline = Date().addingTimeInterval(timeout)
        var sent: Int32? = nil
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || (reaped < 0 && errno != EINTR) { return (status, sent != nil) }
            if Date() >= deadline {
                let next = sent == nil ? SIGTERM : SIGKILL
                kill(-pid, next)
                kill(pid, next)
                if next == SIGKILL {
                    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                    return (status, true)
                }
                sent = next
                deadline = Date().addingTimeInterval(5)
            }
            usleep(10_000)
        }
    }

    #if !canImport(Darwin)
    /// This process's open descriptors, for the child to close (Linux has no POSIX_SPAWN_CLOEXEC_DEFAULT; glibc
    /// ignores closing one that has been closed meanwhile).
    private static func openDescriptors() -> [Int32] {
        if let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            return names.compactMap { Int32($0) }
        }
        let limit = sysconf(Int32(_SC_OPEN_MAX))
        return Array(3..<Int32(limit > 3 && limit < 4096 ? limit : 4096))
    }
    #endif
}
