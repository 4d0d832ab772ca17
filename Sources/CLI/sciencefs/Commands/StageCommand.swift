import ArgumentParser
import CLISupport
import Foundation
import Logging
import SciencefsCore
import SciencefsStore

/// `sciencefs stage [--wait] [--to RSE] PATH...`: asks the mount's daemon to make files ready before a job reads
/// them, by setting `user.sciencefs.stage` on each path (`1`, or `rse=RSE` with `--to`); the daemon does the work
/// (docs/STAGING.md) and names the jobs it started in the same attribute. Without `--wait` the command returns at
/// once; with it, it draws a progress line per job from the mount's job journal until every job ended.
/// Exit status: 0 staged (or staging), 1 a path was refused or a job failed (each reason printed).
struct StageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stage",
        abstract: "Make files or directories inside a mount ready to read (replication rule, tape recall or prefetch).")

    @Flag(name: .long, help: "Wait until every job ended, with a progress line per job.")
    var wait = false

    @Option(name: .long, help: "Rucio: the RSE to replicate to (a replication rule), instead of the local data cache.")
    var to: String?

    @Option(name: .long, help: "Config file (default: the one the mount was started with).")
    var config: String?

    @Argument(help: "Files or directories inside a sciencefs mount.")
    var paths: [String] = []

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("name at least one PATH") }
        if let to, to.isEmpty || to.contains(where: \.isWhitespace) { throw ValidationError("--to needs an RSE name") }
    }

    func run() throws {
        LogSetup.bootstrap(.standardError, debug: false, quietLevel: .warning)
        let explicitConfig = try config.map { try MountConfiguration.load(from: URL(fileURLWithPath: expandTilde($0))) }
        let mounts = MountLocator.records(config: explicitConfig)
        var failures: [String] = []
        var followed: [(cacheDirectory: String, keys: [JobKey])] = []
        for path in paths {
            guard let located = MountLocator.locate(path, in: mounts), located.sourceName != nil else {
                failures.append("\(path): not inside a source of a running sciencefs mount")
                continue
            }
            do {
                let keys = try Self.request(located.absolute, target: to)
                print(keys.isEmpty ? "\(path): already staged"
                                   : "\(path): staging (\(keys.map(\.description).joined(separator: ", ")))")
                followed.append((located.record.cacheDirectory, keys))
            } catch {
                failures.append("\(path): \(error)")
            }
        }
        fflush(standardOutputStream)
        if wait {
            failures += follow(followed)
        }
        for failure in failures { FileHandle.standardError.write(Data("sciencefs stage: \(failure)\n".utf8)) }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    /// Sets the control attribute and reads back the jobs the daemon started for it.
    static func request(_ path: String, target: String?) throws -> [JobKey] {
        let value = target.map { "rse=" + $0 } ?? "1"
        guard systemSetxattr(path, VFS.stageAttribute, value, value.utf8.count, 0) == 0 else {
            let code = errno
            throw StageFailure(code == EOPNOTSUPP ? "cannot be staged (not a file or directory of a source)"
                                                  : String(cString: strerror(code)) + " (the mount's log says why)")
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let length = systemGetxattr(path, VFS.stageAttribute, &buffer, buffer.count)
        guard length >= 0 else { throw StageFailure("the mount did not say what it started: " + String(cString: strerror(errno))) }
        let answer = String(decoding: buffer[0..<length], as: UTF8.self)
        return answer.split(separator: "\n").compactMap { line -> JobKey? in
            let parts = line.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil } // "ready": nothing was started
            return JobKey(service: parts[0], jobID: parts[1])
        }
    }

    /// Draws every job's line from its mount's journal until all ended; the reasons of those that did not finish.
    private func follow(_ requests: [(cacheDirectory: String, keys: [JobKey])]) -> [String] {
        let logger = Logger(label: "sciencefs.stage")
        var trackers: [String: TransferTracker] = [:]
        var pending: [(TransferTracker, JobKey)] = []
        var failures: [String] = []
        for (directory, keys) in requests where !keys.isEmpty {
            if trackers[directory] == nil {
                let previousMask = umask(0o077) // the journal's -wal/-shm files are private, like the rest of the cache
                defer { umask(previousMask) }
                do {
                    trackers[directory] = TransferTracker(store: try MetadataStore(directory: URL(fileURLWithPath: directory)),
                                                          logger: logger)
                } catch {
                    failures.append("cannot read the mount's job journal in \(directory): \(error)")
                    continue
                }
            }
            if let tracker = trackers[directory] { pending += keys.map { (tracker, $0) } }
        }
        let display = ProgressDisplay()
        let interrupt = InterruptFlag()
        while !pending.isEmpty, !interrupt.isSet {
            pending = pending.filter { tracker, key in
                guard let job = tracker.job(key) else { return true }
                display.update(job)
                guard job.state.isTerminal else { return true }
                if job.state != .finished { failures.append("\(key) \(job.state): \(job.failureSummary)") }
                return false
            }
            if !pending.isEmpty { interrupt.wait(timeout: 0.5) }
        }
        if interrupt.isSet { failures.append("interrupted; the jobs go on (see sciencefs status)") }
        return failures
    }
}

struct StageFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// getxattr(2) from the C library (<sys/xattr.h> is not part of the Glibc module).
@_silgen_name("getxattr")
func systemGetxattr(_ path: UnsafePointer<CChar>, _ name: UnsafePointer<CChar>, _ value: UnsafeMutableRawPointer,
                    _ size: Int) -> Int
