import Foundation

/// Starts the mount in a background process and waits until the kernel shows the mount (or the child fails).
///
/// The child is this same executable re-run with `-f`, in a new session, stdin/stdout on /dev/null and its log in
/// a file; forking a multi-threaded Swift process is not safe, spawning is. A child that fails writes its error to
/// `failureFile` (`--failure-file`), which becomes this command's one message; a child that does not come up in
/// time is stopped, so nothing this command started outlives its failure.
enum Daemon {
    static func spawnAndWait(arguments: [String], mountpoint: String, logFile: URL, failureFile: URL,
                             timeout: TimeInterval) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath()
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        try? FileManager.default.removeItem(at: failureFile)
        process.arguments = arguments + ["--failure-file", failureFile.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if MountTable.isMounted(mountpoint) { return }
            if !process.isRunning {
                defer { try? FileManager.default.removeItem(at: failureFile) }
                if let failure = try? String(contentsOf: failureFile, encoding: .utf8), !failure.isEmpty {
                    throw DaemonError(failure.trimmingCharacters(in: .whitespacesAndNewlines))
                }
                throw DaemonError("the mount process exited (status \(process.terminationStatus)); see \(logFile.path):\n" + tail(logFile))
            }
            usleep(50_000)
        }
        stop(process)
        throw DaemonError("the mount did not come up within \(Int(timeout)) s and was stopped; see \(logFile.path)")
    }

    /// SIGTERM (libfuse's handler unmounts and returns), then SIGKILL if it is still there after 10 s.
    private static func stop(_ process: Process) {
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    private static func tail(_ url: URL) -> String {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return "" }
        return text.split(separator: "\n").suffix(10).joined(separator: "\n")
    }
}

struct DaemonError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
