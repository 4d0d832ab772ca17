import ArgumentParser
import Foundation
import Logging
import SciencefsFuse

struct MountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mount",
        abstract: "Mount the configured sources on MOUNTPOINT.",
        discussion: "Without -f the mount runs in the background and this command returns once the mount answers.")

    @Option(name: .long, help: "Config file (default: $XDG_CONFIG_HOME/sciencefs/config.toml, else ~/.config/sciencefs/config.toml).")
    var config: String?

    @Option(name: .short, help: "Mount options, comma-separated: ro, allow_other, uid=N, gid=N.")
    var o: [String] = []

    @Flag(name: .short, help: "Stay in the foreground; log to stderr.")
    var f = false

    @Flag(name: .short, help: "Debug logging.")
    var d = false

    @Flag(name: .long, help: "Log to syslog instead of the log file when in the background.")
    var syslog = false

    @Option(name: .long, help: .hidden)
    var logFile: String?

    @Flag(name: .long, help: .hidden)
    var backgroundChild = false

    /// Where a background child writes why it failed, for the parent to print as its one message.
    @Option(name: .long, help: .hidden)
    var failureFile: String?

    @Argument(help: "Where to mount.")
    var mountpoint: String

    /// The mountpoint itself is checked in `run`, by `MountPreflight`, so its problems get a cause and a fix.
    func validate() throws {
        _ = try parsedOptions()
    }

    func parsedOptions() throws -> MountSettings {
        var settings = MountSettings()
        for option in o.flatMap({ $0.split(separator: ",").map(String.init) }) {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            switch (parts[0], parts.count > 1 ? parts[1] : nil) {
            case ("ro", nil): settings.readOnly = true
            case ("rw", nil): settings.readOnly = false
            case ("allow_other", nil): settings.allowOther = true
            case ("uid", let v?):
                guard let n = UInt32(v) else { throw ValidationError("uid=\(v) is not a number") }
                settings.uid = n
            case ("gid", let v?):
                guard let n = UInt32(v) else { throw ValidationError("gid=\(v) is not a number") }
                settings.gid = n
            case ("dev", nil), ("suid", nil), ("nodev", nil), ("nosuid", nil), ("exec", nil), ("noexec", nil),
                 ("auto", nil), ("noauto", nil), ("user", nil), ("nouser", nil), ("_netdev", nil), ("defaults", nil):
                continue  // fstab/mount(8) options that mean nothing to a FUSE daemon
            default:
                throw ValidationError("unknown mount option \(option)")
            }
        }
        return settings
    }

    func run() throws {
        // Everything the daemon writes (metadata, cached file contents, staged writes, the log) is its user's alone,
        // whatever the login shell's umask.
        umask(0o077)
        let configURL = URL(fileURLWithPath: config.map(expandTilde) ?? MountConfiguration.defaultPath.path)
        let configuration = try MountConfiguration.load(from: configURL)
        let identity = MountIdentity(mountpoint: mountpoint)
        let settings = try parsedOptions()
        // Before a daemon is spawned or a service contacted: one message naming the cause and the fix.
        if let problem = MountPreflight.problem(mountpoint: identity.mountpoint, allowOther: settings.allowOther) {
            throw problem
        }
        let cacheDirectory = identity.cacheDirectory(root: configuration.cacheRoot)
        try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let logURL = logFile.map { URL(fileURLWithPath: $0) } ?? cacheDirectory.appendingPathComponent("sciencefs.log")
        if !f {
            var arguments = ["mount", "-f", "--background-child", "--config", configURL.path,
                             "--log-file", logURL.path, identity.mountpoint]
            for option in o { arguments += ["-o", option] }
            if d { arguments.append("-d") }
            if syslog { arguments.append("--syslog") }
            try Daemon.spawnAndWait(arguments: arguments, mountpoint: identity.mountpoint, logFile: logURL,
                                    failureFile: cacheDirectory.appendingPathComponent("mount-failure.txt"), timeout: 60)
            print("sciencefs mounted on \(identity.mountpoint) (log: \(syslog ? "syslog" : logURL.path))")
            return
        }
        if backgroundChild {
            setsid()
            LogSetup.bootstrap(syslog ? .syslog : .file(logURL), debug: d)
        } else {
            LogSetup.bootstrap(logFile.map { .file(URL(fileURLWithPath: $0)) } ?? .standardError, debug: d)
        }
        let logger = Logger(label: "sciencefs")
        do {
            let runner = MountRunner(identity: identity, config: configuration, configFile: configURL.path,
                                     settings: settings, logger: logger)
            try runner.run()
        } catch {
            // On stderr the command's own error message says it; logging it there too would say it twice.
            if backgroundChild || logFile != nil { logger.critical("mount failed", metadata: ["error": "\(error)"]) }
            if let failureFile { try? "\(error)\n".write(toFile: failureFile, atomically: true, encoding: .utf8) }
            throw error
        }
    }
}
