import Foundation
import Logging
import SciencefsStore

/// One file of a tracked job: where it comes from and goes to, in the mount and as the service sees it.
public struct TrackedTransferFile: Codable, Sendable, Equatable {
    /// Mount-relative paths (`rucio/user.alice/ds/f`, `agave/systems/s/dir/f`).
    public var sourcePath: String
    public var destinationPath: String
    public var sourceURL: String
    public var destinationURL: String
    public var size: UInt64?
    public var adler32: String?
    public var state: String
    public var transferred: UInt64
    public var reason: String?

    public init(sourcePath: String, destinationPath: String, sourceURL: String, destinationURL: String,
                size: UInt64?, adler32: String?, state: String = "SUBMITTED", transferred: UInt64 = 0, reason: String? = nil) {
        self.sourcePath = sourcePath
        self.destinationPath = destinationPath
        self.sourceURL = sourceURL
        self.destinationURL = destinationURL
        self.size = size
        self.adler32 = adler32
        self.state = state
        self.transferred = transferred
        self.reason = reason
    }
}

/// A server-side job as the journal remembers it.
public struct TrackedJob: Sendable, Equatable {
    public var service: String
    public var jobID: String
    public var state: TransferJobState
    public var reason: String?
    public var files: [TrackedTransferFile]
    public var origin: String
    public var applied: Bool
    public var created: Date
    public var updated: Date

    public var bytesTotal: UInt64 { files.reduce(0) { $0 + ($1.size ?? 0) } }
    public var bytesTransferred: UInt64 { files.reduce(0) { $0 + $1.transferred } }
    public var filesFinished: Int { files.filter { $0.state == "FINISHED" }.count }

    /// The failed files' reasons, or the job's own.
    public var failureSummary: String {
        let reasons = files.compactMap { file in file.reason.map { "\(file.sourcePath): \($0)" } }
        return reasons.isEmpty ? (reason ?? state.rawValue) : reasons.joined(separator: "; ")
    }

    var record: TransferRecord {
        var record = TransferRecord(id: jobID, kind: service, state: state.rawValue,
                                    files: files.map { "\($0.sourcePath) -> \($0.destinationPath)" },
                                    bytes: bytesTotal, detail: reason, updated: updated)
        record.bytesTransferred = bytesTransferred
        record.fileStates = files.map {
            TransferFileStatus(source: $0.sourceURL, destination: $0.destinationURL, state: $0.state, reason: $0.reason,
                               size: $0.size, transferred: $0.transferred)
        }
        return record
    }
}

/// Submits third-party copies to a `TransferService` and keeps every job in the store's transfer journal, so that a
/// daemon restarted mid-transfer polls its jobs again, `.sciencefs/transfers/` and `sciencefs status` can show them,
/// and a destination file can say which job is filling it (`user.sciencefs.transfer_id`).
///
/// Used by the mount (copy_file_range) and by `sciencefs cp`; both write the same journal (SQLite, WAL).
public final class TransferTracker: @unchecked Sendable {
    public let service: TransferService
    let store: MetadataStore
    let logger: Logger
    public let pollInterval: TimeInterval
    private let lock = NSLock()
    /// Destination mount path → (job id, state) of the newest job writing it.
    private var destinations: [String: (jobID: String, state: TransferJobState)] = [:]
    private var monitor: Thread?
    /// Jobs a `wait` in this process is polling: the monitor leaves them alone until they end.
    private var followed: Set<String> = []
    private var stopping = false
    private let wake = DispatchSemaphore(value: 0)

    public init(service: TransferService, store: MetadataStore, pollInterval: TimeInterval = 1, logger: Logger) {
        self.service = service
        self.store = store
        self.pollInterval = pollInterval
        self.logger = logger
        for job in jobs(limit: 200).reversed() { index(job) }
    }

    /// Submits one job for `files` and journals it before returning its id.
    public func submit(_ files: [TrackedTransferFile], options: TransferOptions, origin: String) throws -> String {
        let wire = files.map { file in
            TransferFile(source: file.sourceURL, destination: file.destinationURL, adler32: file.adler32, size: file.size,
                         metadata: ["sciencefs_source": file.sourcePath, "sciencefs_destination": file.destinationPath])
        }
        let jobID = try service.submit(wire, options: options)
        let job = TrackedJob(service: service.name, jobID: jobID, state: .submitted, files: files, origin: origin,
                             applied: false, created: Date(), updated: Date())
        do {
            try store.addTransferJob(TransferJobRecord(service: job.service, jobID: jobID, state: job.state.rawValue,
                                                       files: Self.encode(files), origin: origin))
        } catch {
            logger.error("cannot journal a submitted transfer job (it runs, but a restart will not follow it)",
                         metadata: ["job": "\(jobID)", "error": "\(error)"])
        }
        index(job)
        logger.info("transfer job submitted", metadata: ["service": "\(service.name)", "job": "\(jobID)",
                                                          "files": "\(files.count)", "bytes": "\(job.bytesTotal)"])
        wake.signal()
        return jobID
    }

    /// Asks the service where the job stands and journals the answer.
    @discardableResult
    public func refresh(_ jobID: String) throws -> TrackedJob {
        let status = try service.status(of: jobID)
        var job = self.job(jobID) ?? TrackedJob(service: service.name, jobID: jobID, state: status.state, files: [],
                                                origin: "unknown", applied: false, created: Date(), updated: Date())
        job.state = status.state
        job.reason = status.reason
        job.updated = Date()
        for (i, file) in job.files.enumerated() {
            guard let reported = Self.match(file, in: status.files, index: i) else { continue }
            job.files[i].state = reported.state
            job.files[i].transferred = reported.transferred
            job.files[i].reason = reported.reason
            if job.files[i].size == nil { job.files[i].size = reported.size }
        }
        try? store.updateTransferJob(service: job.service, jobID: jobID, state: job.state.rawValue, reason: job.reason,
                                     files: Self.encode(job.files))
        index(job)
        return job
    }

    /// Polls until the job ends. `progress` sees every answer; `shouldCancel` returning true cancels the job (once).
    public func wait(for jobID: String, progress: (TrackedJob) -> Void = { _ in },
                     shouldCancel: () -> Bool = { false }) throws -> TrackedJob {
        guard let outcome = wait(for: [jobID], progress: progress, shouldCancel: shouldCancel)[jobID] else {
            throw FSError.io("transfer job \(jobID) was not followed")
        }
        return try outcome.get()
    }

    /// Polls every job until each has ended, then returns each one's last state — or the error that made it
    /// impossible to follow (30 polls in a row failed: a dropped connection or a 5xx alone does not end a job).
    /// `shouldCancel` returning true cancels the jobs still running (once); `pause` waits between rounds (a caller
    /// may wake it early, e.g. on Ctrl-C).
    public func wait(for jobIDs: [String], progress: (TrackedJob) -> Void = { _ in },
                     shouldCancel: () -> Bool = { false },
                     pause: (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) }) -> [String: Result<TrackedJob, Error>] {
        var outcomes: [String: Result<TrackedJob, Error>] = [:]
        var failures: [String: Int] = [:]
        var cancelled = false
        lock.withLock { followed.formUnion(jobIDs) }
        defer { lock.withLock { followed.subtract(jobIDs) } }
        while true {
            let running = jobIDs.filter { outcomes[$0] == nil }
            if running.isEmpty { return outcomes }
            if !cancelled, shouldCancel() {
                cancelled = true
                for id in running {
                    do { try cancel(id) } catch {
                        logger.warning("cannot cancel transfer job", metadata: ["job": "\(id)", "error": "\(error)"])
                    }
                }
            }
            for id in running {
                do {
                    let job = try refresh(id)
                    failures[id] = 0
                    progress(job)
                    if job.state.isTerminal { outcomes[id] = .success(job) }
                } catch {
                    failures[id, default: 0] += 1
                    logger.warning("cannot poll transfer job", metadata: ["job": "\(id)", "error": "\(error)"])
                    if failures[id, default: 0] >= 30 { outcomes[id] = .failure(error) }
                }
            }
            if jobIDs.contains(where: { outcomes[$0] == nil }) { pause(pollInterval) }
        }
    }

    public func cancel(_ jobID: String) throws {
        try service.cancel(jobID)
        logger.info("transfer job cancel requested", metadata: ["job": "\(jobID)"])
    }

    /// The newest jobs from the journal (every process's).
    public func jobs(limit: Int = 500) -> [TrackedJob] {
        do { return try store.transferJobs(limit: limit).compactMap(Self.decode) } catch {
            logger.warning("cannot read the transfer journal", metadata: ["error": "\(error)"])
            return []
        }
    }

    public func job(_ jobID: String) -> TrackedJob? {
        (try? store.transferJob(service: service.name, jobID: jobID)).flatMap { $0.flatMap(Self.decode) }
    }

    /// The newest job writing the mount path `destination`, as last seen.
    public func job(writing destination: String) -> (jobID: String, state: TransferJobState)? {
        lock.withLock { destinations[destination] }
    }

    // MARK: monitoring (the daemon)

    /// Follows every job not yet applied — this run's, a previous run's, `sciencefs cp`'s — until it ends, then calls
    /// `ended` (which refreshes the destinations in the mount) and marks it applied.
    public func startMonitoring(ended: @escaping @Sendable (TrackedJob) -> Void) {
        let thread = Thread { [weak self] in
            while let self, !self.isStopping {
                self.monitorOnce(ended: ended)
                _ = self.wake.wait(timeout: .now() + self.pollInterval)
            }
        }
        thread.name = "sciencefs-transfers"
        lock.withLock { monitor = thread }
        thread.start()
    }

    public func stopMonitoring() {
        lock.withLock { stopping = true }
        wake.signal()
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    /// One round of `startMonitoring`: polls what is running, applies what ended.
    public func monitorOnce(ended: (TrackedJob) -> Void) {
        let pending: [TrackedJob]
        do { pending = try store.unappliedTransferJobs().compactMap(Self.decode) } catch {
            logger.warning("cannot read the transfer journal", metadata: ["error": "\(error)"])
            return
        }
        for var job in pending {
            if !job.state.isTerminal {
                if lock.withLock({ followed.contains(job.jobID) }) { continue }
                do { job = try refresh(job.jobID) } catch {
                    logger.warning("cannot poll transfer job", metadata: ["job": "\(job.jobID)", "error": "\(error)"])
                    continue
                }
            } else {
                index(job)
            }
            guard job.state.isTerminal else { continue }
            if job.state == .finished {
                logger.info("transfer job finished", metadata: ["job": "\(job.jobID)", "files": "\(job.files.count)"])
            } else {
                logger.error("transfer job ended without finishing",
                             metadata: ["job": "\(job.jobID)", "state": "\(job.state)", "reason": "\(job.failureSummary)"])
            }
            ended(job)
            try? store.markTransferJobApplied(service: job.service, jobID: job.jobID)
        }
    }

    // MARK: internals

    private func index(_ job: TrackedJob) {
        lock.withLock {
            for file in job.files { destinations[file.destinationPath] = (job.jobID, job.state) }
        }
    }

    /// FTS3 returns one row per file in submission order; match by URLs first, position second.
    private static func match(_ file: TrackedTransferFile, in reported: [TransferFileStatus], index: Int) -> TransferFileStatus? {
        reported.first { $0.source == file.sourceURL && $0.destination == file.destinationURL }
            ?? (index < reported.count ? reported[index] : nil)
    }

    static func encode(_ files: [TrackedTransferFile]) -> String {
        (try? String(decoding: JSONEncoder().encode(files), as: UTF8.self)) ?? "[]"
    }

    static func decode(_ record: TransferJobRecord) -> TrackedJob? {
        guard let files = try? JSONDecoder().decode([TrackedTransferFile].self, from: Data(record.files.utf8)) else { return nil }
        return TrackedJob(service: record.service, jobID: record.jobID, state: TransferJobState(rawValue: record.state),
                          reason: record.reason, files: files, origin: record.origin, applied: record.applied,
                          created: Date(timeIntervalSince1970: record.createdAt),
                          updated: Date(timeIntervalSince1970: record.updatedAt))
    }
}
