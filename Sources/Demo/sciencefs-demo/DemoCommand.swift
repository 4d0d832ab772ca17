import ArgumentParser
import CLISupport
import Foundation
import Logging
import SciencefsFuse

/// `sciencefs-demo MOUNTPOINT`: starts the emulated services with sample data, writes their config and mounts it
/// with the `sciencefs` binary beside this one (`sciencefs mount -f CONFIG MOUNTPOINT`, the way a user mounts),
/// then waits. Ctrl-C, or `sciencefs unmount MOUNTPOINT` from another terminal, ends the mount; the demo then stops
/// the services and exits.
///
/// The demo is its own executable so that the installed `sciencefs` links no emulator, Hummingbird or NIO.
@main
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sciencefs-demo",
        abstract: "Start emulated research data services with sample data and mount them on MOUNTPOINT.",
        discussion: """
            Mounts with the sciencefs binary in the same directory as this one. Runs in the foreground until Ctrl-C \
            or `sciencefs unmount MOUNTPOINT`.
            """)

    @Option(name: .long, help: "Where the emulated services keep their files (default: $XDG_CACHE_HOME/sciencefs/demo, else ~/.cache/sciencefs/demo).")
    var state: String?

    @Option(name: .long, help: "Port for the emulated Agave server (default: any free port).")
    var port: Int = 0

    @Option(name: .customLong("agave-staging-delay"),
            help: "Seconds the emulated Agave server waits before staging an upload or import it has answered (202), as the real service stages them later.")
    var agaveStagingDelay: Double = 0.2

    @Flag(name: .short, help: "Debug logging (the emulators' and the mount's).")
    var d = false

    @Argument(help: "Where to mount.")
    var mountpoint: String

    func run() throws {
        // Line-buffered stdout, so the instructions show up at once even when piped to a file.
        setvbuf(standardOutputStream, nil, _IOLBF, 0)
        let level: Logger.Level = d ? .debug : .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "sciencefs-demo")
        let sciencefs = try Self.sciencefsBinary()
        let directories = UserDirectories.current
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        let mountpoint = URL(fileURLWithPath: mountpoint).standardizedFileURL.resolvingSymlinksInPath().path
        // Before any emulator starts: a mount that cannot be made fails here, with nothing to stop.
        if let problem = MountPreflight.problem(mountpoint: mountpoint, allowOther: false) { throw problem }
        // Every emulator (and the FTS3 emulator's nginx) is stopped on every way out, Ctrl-C during setup included.
        let stopper = ServiceStopper()
        stopper.catchSignals()
        defer { stopper.stopAll() }
        let stateRoot = URL(fileURLWithPath: state.map(directories.expandTilde) ?? directories.demoState.path)
        let services = try DemoServices(stateRoot: stateRoot, agavePort: port, agaveStagingDelay: agaveStagingDelay,
                                        stopper: stopper, logger: logger)
        let configURL = stateRoot.appendingPathComponent("config.toml")
        try DemoConfigFile.write(DemoConfigFile.text(services, stateRoot: stateRoot), to: configURL)

        let mount = try MountProcess(executable: sciencefs,
                                     arguments: ["mount", "-f", "--config", configURL.path] + (d ? ["-d"] : []) + [mountpoint])
        stopper.add { mount.stop() }
        // From here a signal is the mount's: libfuse unmounts and the process exits, which ends the wait below.
        stopper.forwardSignals { mount.send($0) }
        while mount.isRunning && !Self.isMounted(mountpoint) { usleep(50_000) }
        if mount.isRunning {
            print(DemoTour.text(mountpoint: mountpoint, sciencefs: sciencefs, configFile: configURL.path, services: services))
        }
        let status = mount.waitForExit()
        if Self.isMounted(mountpoint) {
            // The mount process died before libfuse could unmount (killed outright): no mount is left dangling.
            _ = try? Process.run(URL(fileURLWithPath: "/bin/fusermount3"), arguments: ["-u", "-z", mountpoint]).waitUntilExit()
        }
        let code = MountProcess.exitCode(status)
        // A mount that failed has said why on stderr; the demo adds no second message, only its exit status.
        guard code == 0 else { throw ExitCode(code) }
        print("demo unmounted")
    }

    /// The `sciencefs` executable in the directory of this one (both are built, and installed, side by side).
    static func sciencefsBinary() throws -> String {
        let own = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let binary = own.deletingLastPathComponent().appendingPathComponent("sciencefs").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw MissingSciencefs(path: binary)
        }
        return binary
    }

    struct MissingSciencefs: Error, CustomStringConvertible {
        let path: String
        var description: String {
            "sciencefs-demo mounts with the sciencefs binary beside it, and there is none at \(path): build both (swift build)"
        }
    }

    static func isMounted(_ mountpoint: String) -> Bool {
        MountInfo.entries().contains { $0.mountpoint == mountpoint && $0.filesystemType.hasPrefix("fuse.sciencefs") }
    }
}
