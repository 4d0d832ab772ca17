import Foundation

/// Starts the mount in a background process and waits until the kernel shows the mount (or the child fails).
///
/// The child is this same executable re-run with `-f`, in a new session, stdin/stdout on /dev/null and its log in
/// a file; forking a multi-threaded Swift process is not safe, spawning is.
enum Daemon {
    static func spawnAndWait(arguments: [String], mountpoint: String, logFile: URL, timeout: TimeInterval) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath()
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if MountTable.isMounted(mountpoint) { return }
            if !process.isRunning {
                throw DaemonError("the mount process exited (status \(process.terminationStatus)); see \(logFile.path):\n" + tail(logFile))
            }
            usleep(50_000)
        }
        throw DaemonError("the mount did not come up within \(Int(timeout)) s; see \(logFile.path)")
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
