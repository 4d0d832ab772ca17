import ArgumentParser
import Foundation
import Logging
import SciencefsCore
import SciencefsStore

/// `sciencefs cp [-r] SRC... DST`: copies files and trees between places in a mount the way the mount's own `cp`
/// would, but as few, large server-side jobs: every file whose source and destination have transfer URLs goes into
/// one FTS3 job (batched), with live progress; the rest streams through this machine. Ctrl-C cancels the submitted
/// jobs. Exit status: 0 all copied, 1 some files failed (each reason printed), 130 interrupted.
struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp",
        abstract: "Copy files or trees inside a mount as server-side transfer jobs, with progress.")

    @Flag(name: [.customShort("r"), .customShort("R"), .long], help: "Copy directories recursively.")
    var recursive = false

    @Option(name: .long, help: "Config file (default: the one the mount was started with).")
    var config: String?

    @Option(name: .long, help: "Files per transfer job.")
    var batchSize = 1000

    @Flag(name: .long, help: "Log debug detail to stderr.")
    var debug = false

    @Argument(help: "SRC... DST")
    var paths: [String] = []

    func validate() throws {
        guard paths.count >= 2 else { throw ValidationError("need at least one SRC and a DST") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() throws {
        LogSetup.bootstrap(.standardError, debug: debug, quietLevel: .warning)
        let logger = Logger(label: "sciencefs.cp")
        let explicitConfig = try config.map { try MountConfiguration.load(from: URL(fileURLWithPath: expandTilde($0))) }
        let mounts = MountLocator.records(config: explicitConfig)
        let sources = Array(paths.dropLast())
        let destination = paths[paths.count - 1]

        // The destination's mount decides the backends and the transfer service.
        var backends: [String: Backend] = [:]
        var tracker: TransferTracker?
        var mountpoint: String?
        if let located = MountLocator.locate(destination, in: mounts) {
            mountpoint = located.record.mountpoint
            let mountConfig = try explicitConfig
                ?? MountConfiguration.load(from: URL(fileURLWithPath: located.record.configFile))
            for backend in try BackendFactory.make(mountConfig.sources, logger: logger) { backends[backend.name] = backend }
            if let service = try BackendFactory.makeTransferService(mountConfig.fts3, logger: logger) {
                // Opening the mount's journal may create its -wal/-shm files: private, like everything there.
                let previousMask = umask(0o077)
                defer { umask(previousMask) }
                let store = try MetadataStore(directory: URL(fileURLWithPath: located.record.cacheDirectory))
                tracker = TransferTracker(service: service, store: store,
                                          policy: BackendFactory.pollPolicy(mountConfig.fts3), logger: logger)
            }
        }
        var plan: CopyPlan
        do {
            plan = try CopyPlan.make(sources: sources, destination: destination, recursive: recursive, mounts: mounts,
                                     backends: backends)
        } catch {
            throw CopyFailure("sciencefs cp: \(error)")
        }
        if tracker == nil, let mountpoint, !plan.serverSide.isEmpty {
            // No transfer service configured: what could have been server-side streams through the mount.
            plan.streamed += plan.serverSide.map {
                .init(from: mountpoint + "/" + $0.sourcePath, to: mountpoint + "/" + $0.destinationPath)
            }
            plan.serverSide = []
        }

        var failures: [String] = []
        var interrupted = false
        if let tracker, !plan.serverSide.isEmpty {
            let outcome = runJobs(plan.serverSide, tracker: tracker)
            failures += outcome.failures
            interrupted = outcome.interrupted
            // The daemon notices ended jobs on its own next poll; asking it now makes the files visible at once.
            Self.refreshInMount(destination)
        }
        if !interrupted {
            for file in plan.streamed {
                do {
                    try StreamCopy.copy(from: file.from, to: file.to)
                    print("streamed \(file.from) -> \(file.to)")
                } catch {
                    failures.append("\(file.from): \(error)")
                }
            }
        }
        for failure in failures { FileHandle.standardError.write(Data("sciencefs cp: failed: \(failure)\n".utf8)) }
        if interrupted {
            FileHandle.standardError.write(Data("sciencefs cp: interrupted; submitted jobs were cancelled\n".utf8))
            throw ExitCode(130)
        }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    /// Submits the files in batches, follows every job to its end with a progress line each, and cancels them all
    /// on Ctrl-C (SIGINT) or SIGTERM.
    private func runJobs(_ files: [TrackedTransferFile], tracker: TransferTracker) -> (failures: [String], interrupted: Bool) {
        let interrupt = InterruptFlag()
        var failures: [String] = []
        var jobIDs: [String] = []
        var index = 0
        while index < files.count, !interrupt.isSet {
            let batch = Array(files[index..<min(files.count, index + batchSize)])
            index += batch.count
            do {
                jobIDs.append(try tracker.submit(batch, options: TransferOptions(overwrite: true), origin: "cli"))
            } catch {
                failures += batch.map { "\($0.sourcePath): job not submitted: \(error)" }
            }
        }
        let display = ProgressDisplay()
        let outcomes = tracker.wait(for: jobIDs, progress: display.update, shouldCancel: { interrupt.isSet },
                                    pause: interrupt.wait(timeout:))
        for id in jobIDs {
            switch outcomes[id] {
            case .success(let job) where job.state != .finished:
                failures += job.files.filter { $0.state != "FINISHED" }.map {
                    "\($0.sourcePath) -> \($0.destinationPath): \($0.reason ?? job.reason ?? $0.state) (job \(id) \(job.state))"
                }
            case .failure(let error):
                failures.append("job \(id): cannot follow it: \(error)")
            default:
                break
            }
        }
        return (failures, interrupt.isSet)
    }
}

extension CopyCommand {
    /// `user.sciencefs.refresh` on the destination (or, if it is a file, its directory) drops the mount's cached
    /// metadata there. Best effort: without it the daemon still catches up within one poll interval.
    static func refreshInMount(_ destination: String) {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory)
        let target = exists && isDirectory.boolValue ? destination : (destination as NSString).deletingLastPathComponent
        _ = systemSetxattr(target, "user.sciencefs.refresh", "1", 1, 0)
    }
}

/// setxattr(2) from the C library (<sys/xattr.h> is not part of the Glibc module); also `sciencefs uploads`'s.
@_silgen_name("setxattr")
func systemSetxattr(_ path: UnsafePointer<CChar>, _ name: UnsafePointer<CChar>, _ value: UnsafeRawPointer,
                            _ size: Int, _ flags: Int32) -> Int32

/// Set by SIGINT/SIGTERM; the copy loop checks it between polls (and wakes early when it is set).
/// `@unchecked Sendable` because `lock` guards `set`; `sources` is filled in init and only kept alive after.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false
    private let semaphore = DispatchSemaphore(value: 0)
    private var sources: [DispatchSourceSignal] = []

    init() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in self?.raise() }
            source.resume()
            sources.append(source)
        }
    }

    var isSet: Bool { lock.withLock { set } }

    func raise() {
        lock.withLock { set = true }
        semaphore.signal()
    }

    func wait(timeout: TimeInterval) { _ = semaphore.wait(timeout: .now() + timeout) }
}

struct CopyFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
