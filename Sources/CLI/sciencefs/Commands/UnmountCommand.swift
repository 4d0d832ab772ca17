import ArgumentParser
import Foundation

struct UnmountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unmount",
        abstract: "Unmount MOUNTPOINT after its uploads have finished.")

    @Option(name: .long, help: "Seconds to wait for uploads to finish.")
    var timeout: Double = 600

    @Argument(help: "The mountpoint.")
    var mountpoint: String

    func run() throws {
        let identity = MountIdentity(mountpoint: mountpoint)
        let record = MountRegistry.all(root: MountConfiguration.defaultCacheRoot).first { $0.mountpoint == identity.mountpoint }
            ?? findRecordInAnyCacheRoot(identity)
        guard MountTable.isMounted(identity.mountpoint) else {
            throw ValidationError("\(identity.mountpoint) is not a sciencefs mount")
        }
        // Files still open keep the mount busy; closing them is what finishes their uploads.
        let status = try runFusermount(identity.mountpoint)
        guard status == 0 else {
            throw ExitCode(status)
        }
        guard let record else {
            print("unmounted \(identity.mountpoint)")
            return
        }
        // The daemon exits after its in-flight uploads finish.
        let deadline = Date().addingTimeInterval(timeout)
        var announced = false
        while processIsAlive(record.pid) && Date() < deadline {
            if !announced {
                print("waiting for uploads to finish...")
                announced = true
            }
            usleep(100_000)
        }
        if processIsAlive(record.pid) {
            print("unmounted \(identity.mountpoint); uploads still running in process \(record.pid)")
        } else {
            print("unmounted \(identity.mountpoint)")
        }
    }

    private func findRecordInAnyCacheRoot(_ identity: MountIdentity) -> MountRecord? {
        guard let config = try? MountConfiguration.load(from: MountConfiguration.defaultPath) else { return nil }
        return MountRegistry.find(mountpoint: identity.mountpoint, root: config.cacheRoot)
    }

    private func runFusermount(_ path: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["fusermount3", "-u", path]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
