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

/// A job in the journal: its service's name and the service's id for it.
public struct JobKey: Hashable, Sendable, CustomStringConvertible {
    public var service: String
    public var jobID: String
    public init(service: String, jobID: String) {
        self.service = service
        self.jobID = jobID
    }
    public var description: String { "\(service)/\(jobID)" }
}

/// A server-side job as the journal remembers it.
public struct TrackedJob: Sendable, Equatable {
    public var service: String
    public var jobID: String
    /// What `.sciencefs/transfers/` calls it ("fts3", "agave-import", "jdma-get"...): `JobService.kind(of:)`.
    public var kind: String
    public var state: TransferJobState
    public var reason: String?
    public var files: [TrackedTransferFile]
    public var origin: String
    public var applied: Bool
    /// When the job was asked for.
    public var created: Date
    public var updated: Date

    public var key: JobKey { JobKey(service: service, jobID: jobID) }
    public var bytesTotal: UInt64 { files.reduce(0) { $0 + ($1.size ?? 0) } }
    public var bytesTransferred: UInt64 { files.reduce(0) { $0 + $1.transferred } }
    public var filesFinished: Int { files.filter { $0.state == "FINISHED" }.count }

    /// The failed files' reasons, or the job's own.
    public var failureSummary: String {
        let reasons = files.compactMap { file in file.reason.map { "\(file.sourcePath): \($0)" } }
        return reasons.isEmpty ? (reason ?? state.rawValue) : reasons.joined(separator: "; ")
    }

    var record: TransferRecord {
        var record = TransferRecord(id: jobID, kind: kind, state: state.rawValue,
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

/// Every server-side job of a mount — FTS3 copies, Agave imports, JDMA requests — in one journal (the store's
/// transfer journal, SQLite, WAL), followed by one poll rule (`PollPolicy`), so that a daemon restarted mid-job
/// follows it again, `.sciencefs/transfers/` and `sciencefs status` show it, and a destination file can say which
/// job is filling it (`user.sciencefs.transfer_id`).
///
/// Services register (`register`); a backend gets its source's door (`ServerJobs`) through `Backend.attach(_:)`.
/// A job is followed either by a caller blocked in `wait` (cp inside the mount, `sciencefs cp`) or by the one
/// monitor thread (`startMonitoring`), never by both at once. Used by the mount and by `sciencefs cp`; both write
/// the same journal.
public final class TransferTracker: @unchecked Sendable {
    let store: MetadataStore
    let logger: Logger
    public let policy: PollPolicy
    /// Guards every `var` below. Never held while a service is asked or the journal is written.
    private let lock = NSLock()
    private var services: [String: JobService] = [:]
    private var copies: TransferService?
    /// Destination mount path → (job id, state) of the newest job writing it.
    private var destinations: [String: (jobID: String, state: TransferJobState, created: Date)] = [:]
    /// Jobs a `wait` in this process is polling: the monitor leaves them alone until they end.
    private var followed: Set<JobKey> = []
    /// The monitor's schedule per job it follows.
    private var schedules: [JobKey: PollSchedule] = [:]
    /// Jobs whose `JobService.jobEnded` ran in this process.
    private var endedHere: Set<JobKey> = []
    private var stopping = false
    private let wake = DispatchSemaphore(value: 0)

    public init(store: MetadataStore, policy: PollPolicy = .standard, logger: Logger) {
        self.store = store
        self.policy = policy
        self.logger = logger
        for job in jobs(limit: 200).reversed() { index(job) }
    }

    /// A tracker whose third-party copies go to `service` (FTS3).
    public convenience init(service: TransferService, store: MetadataStore, policy: PollPolicy = .standard, logger: Logger) {
        self.init(store: store, policy: policy, logger: logger)
        try? register(copies: service)
    }

    // MARK: services

    /// Follows `service`'s jobs from now on (and the unfinished ones the journal holds for it).
    /// Refused (`.invalidArgument`) when another service already has that name.
    public func register(_ service: JobService) throws {
        try lock.withLock {
            if let existing = services[service.name], existing !== service {
                throw FSError.invalidArgument("two job services named \(service.name)")
            }
            services[service.name] = service
        }
        wake.signal()
    }

    /// Registers the third-party copy service `submit` sends jobs to.
    public func register(copies service: TransferService) throws {
        try register(CopyServiceJobs(service))
        lock.withLock { copies = service }
    }

    /// The third-party copy service (FTS3), if one is configured.
    public var copyService: TransferService? { lock.withLock { copies } }

    /// The door a backend uses for its own jobs (handed in by `Backend.attach(_ jobs:)`).
    public func jobs(of source: String) -> ServerJobs { ServerJobs(source: source, tracker: self) }

    private func service(_ name: String) -> JobService? { lock.withLock { services[name] } }

    // MARK: submitting

    /// Submits one third-party copy job for `files` and journals it before returning its id.
    public func submit(_ files: [TrackedTransferFile], options: TransferOptions, origin: String) throws -> String {
        guard let service = copyService else { throw FSError.unsupported }
        let wire = files.map { file in
            TransferFile(source: file.sourceURL, destination: file.destinationURL, adler32: file.adler32, size: file.size,
                         metadata: ["sciencefs_source": file.sourcePath, "sciencefs_destination": file.destinationPath])
        }
        let jobID = try service.submit(wire, options: options)
        track(JobKey(service: service.name, jobID: jobID), files: files, origin: origin)
        return jobID
    }

    /// Journals a job a service has just accepted, so it is shown and followed (also after a restart).
    /// `submittedAt` is when it was asked for. Journaling a job already journaled changes nothing.
    public func track(_ key: JobKey, files: [TrackedTransferFile], origin: String, submittedAt: Date = Date()) {
        if job(key) != nil { return }
        let job = TrackedJob(service: key.service, jobID: key.jobID, kind: kind(key), state: .submitted, files: files,
                             origin: origin, applied: false, created: submittedAt, updated: Date())
        do {
            try store.addTransferJob(TransferJobRecord(service: key.service, jobID: key.jobID, state: job.state.rawValue,
                                                       files: Self.encode(files), origin: origin,
                                                       createdAt: submittedAt.timeIntervalSince1970))
        } catch {
            logger.error("cannot journal a submitted transfer job (it runs, but a restart will not follow it)",
                         metadata: ["job": "\(key)", "error": "\(error)"])
        }
        index(job)
        logger.info("transfer job submitted", metadata: ["service": "\(key.service)", "job": "\(key.jobID)",
                                                             "kind": "\(job.kind)", "files": "\(files.count)",
                                                             "bytes": "\(job.bytesTotal)"])
        wake.signal()
    }

    // MARK: following

    /// Asks the service where the job stands and journals the answer.
    @discardableResult
    public func refresh(_ jobID: String) throws -> TrackedJob {
        try refresh(key(jobID))
    }

    @discardableResult
    public func refresh(_ key: JobKey) throws -> TrackedJob {
        guard let service = service(key.service) else {
            throw FSError.io("no service named \(key.service) is configured to follow job \(key.jobID)")
        }
        let previous = job(key)
        var job = previous ?? TrackedJob(service: key.service, jobID: key.jobID, kind: kind(key), state: .submitted,
                                         files: [], origin: "unknown", applied: false, created: Date(), updated: Date())
        let status = try service.status(of: job)
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
        save(job, previous: previous, service: service)
        return job
    }

    /// Polls until the job ends. `progress` sees every answer; `shouldCancel` returning true cancels the job (once).
    /// A job given up by the poll rule comes back `LOST`, with the reason.
    public func wait(for jobID: String, progress: (TrackedJob) -> Void = { _ in },
                     shouldCancel: () -> Bool = { false }) throws -> TrackedJob {
        try wait(for: key(jobID), progress: progress, shouldCancel: shouldCancel)
    }

    public func wait(for key: JobKey, progress: (TrackedJob) -> Void = { _ in },
                     shouldCancel: () -> Bool = { false }) throws -> TrackedJob {
        guard let outcome = wait(for: [key], progress: progress, shouldCancel: shouldCancel)[key] else {
            throw FSError.io("job \(key) was not followed")
        }
        return try outcome.get()
    }

    /// `wait` for jobs of the copy service, by id.
    public func wait(for jobIDs: [String], progress: (TrackedJob) -> Void = { _ in },
                     shouldCancel: () -> Bool = { false },
                     pause: (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) }) -> [String: Result<TrackedJob, Error>] {
        let keys = jobIDs.map(key)
        let outcomes = wait(for: keys, progress: progress, shouldCancel: shouldCancel, pause: pause)
        return Dictionary(uniqueKeysWithValues: keys.compactMap { key in outcomes[key].map { (key.jobID, $0) } })
    }

    /// Polls every job by the `PollPolicy` until each has ended or was given up (then `LOST`), and returns each
    /// one's last state, or the error that made it impossible to follow at all (no service of that name).
    /// `shouldCancel` returning true cancels the jobs still running (once); `pause` waits between polls (a caller
    /// may wake it early, e.g. on Ctrl-C).
    public func wait(for keys: [JobKey], progress: (TrackedJob) -> Void = { _ in },
                     shouldCancel: () -> Bool = { false },
                     pause: (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) }) -> [JobKey: Result<TrackedJob, Error>] {
        var outcomes: [JobKey: Result<TrackedJob, Error>] = [:]
        var schedules = Dictionary(keys.map { ($0, PollSchedule(policy: policy, now: Date())) }) { first, _ in first }
        var cancelled = false
        lock.withLock { followed.formUnion(keys) }
        defer { lock.withLock { followed.subtract(keys) } }
        for key in keys where service(key.service) == nil {
            outcomes[key] = .failure(FSError.io("no service named \(key.service) is configured to follow job \(key.jobID)"))
        }
        while true {
            let running = keys.filter { outcomes[$0] == nil }
            if running.isEmpty { return outcomes }
            if !cancelled, shouldCancel() {
                cancelled = true
                for key in running {
                    do { try cancel(key) } catch {
                        logger.warning("cannot cancel transfer job", metadata: ["job": "\(key)", "error": "\(error)"])
                    }
                }
            }
            for key in running where schedules[key]?.isDue(Date()) ?? false {
                let verdict: PollVerdict
                do {
                    let job = try refresh(key)
                    progress(job)
                    if job.state.isTerminal {
                        outcomes[key] = .success(job)
                        continue
                    }
                    verdict = schedules[key]!.answered(now: Date())
                } catch {
                    logger.warning("cannot poll transfer job", metadata: ["job": "\(key)", "error": "\(error)"])
                    verdict = schedules[key]!.failed(notFound: FSError.from(error) == .notFound, now: Date())
                    if case .giveUp(let why) = verdict {
                        outcomes[key] = .success(giveUp(key, reason: "\(why); last error: \(error)"))
                    }
                    continue
                }
                if case .giveUp(let why) = verdict { outcomes[key] = .success(giveUp(key, reason: why)) }
            }
            let next = keys.filter { outcomes[$0] == nil }.compactMap { schedules[$0]?.due }.min()
            if let next { pause(max(0, next.timeIntervalSinceNow)) }
        }
    }

    public func cancel(_ jobID: String) throws { try cancel(key(jobID)) }

    public func cancel(_ key: JobKey) throws {
        guard let service = service(key.service) else { throw FSError.unsupported }
        let job = self.job(key) ?? TrackedJob(service: key.service, jobID: key.jobID, kind: kind(key), state: .submitted,
                                              files: [], origin: "unknown", applied: false, created: Date(), updated: Date())
        try service.cancel(job)
        logger.info("transfer job cancel requested", metadata: ["job": "\(key)"])
    }

    /// Stops following a job: it ends `LOST` with `reason`, in the journal and for its service.
    private func giveUp(_ key: JobKey, reason: String) -> TrackedJob {
        let previous = job(key)
        var job = previous ?? TrackedJob(service: key.service, jobID: key.jobID, kind: kind(key), state: .lost, files: [],
                                         origin: "unknown", applied: false, created: Date(), updated: Date())
        job.state = .lost
        job.reason = "not followed any more: \(reason)"
        job.updated = Date()
        logger.error("transfer job given up", metadata: ["job": "\(key)", "reason": "\(reason)"])
        if let service = service(key.service) {
            save(job, previous: previous, service: service)
        } else {
            try? store.updateTransferJob(service: key.service, jobID: key.jobID, state: job.state.rawValue,
                                         reason: job.reason, files: Self.encode(job.files))
            index(job)
        }
        return job
    }

    /// Journals a job's new state and tells its service what changed.
    private func save(_ job: TrackedJob, previous: TrackedJob?, service: JobService) {
        do {
            try store.updateTransferJob(service: job.service, jobID: job.jobID, state: job.state.rawValue,
                                        reason: job.reason, files: Self.encode(job.files))
        } catch {
            logger.warning("cannot journal a job's state", metadata: ["job": "\(job.key)", "error": "\(error)"])
        }
        index(job)
        if previous?.state != job.state || previous?.files.map(\.state) != job.files.map(\.state) {
            service.jobChanged(job)
        }
        if job.state.isTerminal { announceEnd(job, service: service) }
    }

    /// `JobService.jobEnded`, once per job and process.
    private func announceEnd(_ job: TrackedJob, service: JobService) {
        guard lock.withLock({ endedHere.insert(job.key).inserted }) else { return }
        service.jobEnded(job)
    }

    // MARK: reading the journal

    /// The newest jobs from the journal (every process's, every service's).
    public func jobs(limit: Int = 500) -> [TrackedJob] {
        do { return try store.transferJobs(limit: limit).compactMap(decode) } catch {
            logger.warning("cannot read the transfer journal", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Jobs not yet applied by a monitor: running, or ended with destinations not yet refreshed.
    public func unapplied() -> [TrackedJob] {
        do { return try store.unappliedTransferJobs().compactMap(decode) } catch {
            logger.warning("cannot read the transfer journal", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// A job of the copy service, by id.
    public func job(_ jobID: String) -> TrackedJob? { job(key(jobID)) }

    public func job(_ key: JobKey) -> TrackedJob? {
        (try? store.transferJob(service: key.service, jobID: key.jobID)).flatMap { $0.flatMap(decode) }
    }

    /// The newest job writing the mount path `destination`, as last seen.
    public func job(writing destination: String) -> (jobID: String, state: TransferJobState, created: Date)? {
        lock.withLock { destinations[destination] }
    }

    // MARK: monitoring (the daemon)

    /// Follows every job not yet applied — this run's, a previous run's, `sciencefs cp`'s — by the `PollPolicy`
    /// until it ends, then calls `ended` (which refreshes the destinations in the mount) and marks it applied.
    public func startMonitoring(ended: @escaping @Sendable (TrackedJob) -> Void) {
        let thread = Thread { [weak self] in
            while let self, !self.isStopping {
                let next = self.monitorRound(onlyDue: true, ended: ended)
                _ = self.wake.wait(timeout: .now() + max(0.01, min(next.timeIntervalSinceNow, self.policy.maxInterval)))
            }
        }
        thread.name = "sciencefs-jobs"
        thread.start()
    }

    public func stopMonitoring() {
        lock.withLock { stopping = true }
        wake.signal()
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    /// One round of the monitor that polls every running job at once (due or not), and applies what ended.
    public func monitorOnce(ended: (TrackedJob) -> Void) {
        _ = monitorRound(onlyDue: false, ended: ended)
    }

    /// Polls the running jobs (only those due by their schedule with `onlyDue`), applies what ended, and returns
    /// when the next poll is due.
    private func monitorRound(onlyDue: Bool, ended: (TrackedJob) -> Void) -> Date {
        var next = Date().addingTimeInterval(policy.maxInterval)
        let pending: [TrackedJob]
        do { pending = try store.unappliedTransferJobs().compactMap(decode) } catch {
            logger.warning("cannot read the transfer journal", metadata: ["error": "\(error)"])
            return next
        }
        for var job in pending {
            let key = job.key
            if !job.state.isTerminal {
                if lock.withLock({ followed.contains(key) }) { continue }
                guard service(key.service) != nil else { continue } // a source no longer configured
                let now = Date()
                var schedule = lock.withLock { schedules[key] } ?? PollSchedule(policy: policy, now: now)
                if onlyDue, !schedule.isDue(now) {
                    next = min(next, schedule.due)
                    lock.withLock { schedules[key] = schedule }
                    continue
                }
                let verdict: PollVerdict
                do {
                    job = try refresh(key)
                    verdict = job.state.isTerminal ? .pollAgain(due: now) : schedule.answered(now: Date())
                } catch {
                    logger.warning("cannot poll transfer job", metadata: ["job": "\(key)", "error": "\(error)"])
                    verdict = schedule.failed(notFound: FSError.from(error) == .notFound, now: Date())
                    if case .giveUp(let why) = verdict { job = giveUp(key, reason: "\(why); last error: \(error)") }
                }
                switch verdict {
                case .pollAgain(let due) where !job.state.isTerminal:
                    next = min(next, due)
                    lock.withLock { schedules[key] = schedule }
                case .giveUp(let why) where !job.state.isTerminal:
                    job = giveUp(key, reason: why)
                default:
                    break
                }
            } else {
                index(job)
            }
            guard job.state.isTerminal else { continue }
            lock.withLock { schedules[key] = nil }
            if job.state == .finished {
                logger.info("transfer job finished", metadata: ["job": "\(key)", "kind": "\(job.kind)", "files": "\(job.files.count)"])
            } else {
                logger.error("transfer job ended without finishing", metadata: ["job": "\(key)", "kind": "\(job.kind)",
                                                                        "state": "\(job.state)", "reason": "\(job.failureSummary)"])
            }
            if let service = service(key.service) { announceEnd(job, service: service) }
            ended(job)
            try? store.markTransferJobApplied(service: job.service, jobID: job.jobID)
        }
        return next
    }

    // MARK: internals

    /// A job id of the copy service.
    private func key(_ jobID: String) -> JobKey {
        JobKey(service: copyService?.name ?? "fts3", jobID: jobID)
    }

    private func kind(_ key: JobKey) -> String {
        service(key.service)?.kind(of: key.jobID) ?? key.service
    }

    private func index(_ job: TrackedJob) {
        lock.withLock {
            for file in job.files { destinations[file.destinationPath] = (job.jobID, job.state, job.created) }
        }
    }

    /// FTS3 returns one row per file in submission order; match by URLs first, position second. The row at the file's
    /// own position wins when its URLs match too: several files of one job may share URLs (a replication rule's
    /// files all name the rule's DID and RSE).
    private static func match(_ file: TrackedTransferFile, in reported: [TransferFileStatus], index: Int) -> TransferFileStatus? {
        if index < reported.count, reported[index].source == file.sourceURL, reported[index].destination == file.destinationURL {
            return reported[index]
        }
        return reported.first { $0.source == file.sourceURL && $0.destination == file.destinationURL }
            ?? (index < reported.count ? reported[index] : nil)
    }

    static func encode(_ files: [TrackedTransferFile]) -> String {
        (try? String(decoding: JSONEncoder().encode(files), as: UTF8.self)) ?? "[]"
    }

    private func decode(_ record: TransferJobRecord) -> TrackedJob? {
        guard let files = try? JSONDecoder().decode([TrackedTransferFile].self, from: Data(record.files.utf8)) else { return nil }
        let key = JobKey(service: record.service, jobID: record.jobID)
        return TrackedJob(service: record.service, jobID: record.jobID, kind: kind(key),
                          state: TransferJobState(rawValue: record.state), reason: record.reason, files: files,
                          origin: record.origin, applied: record.applied,
                          created: Date(timeIntervalSince1970: record.createdAt),
                          updated: Date(timeIntervalSince1970: record.updatedAt))
    }
}
