import EmulatorSupport
import Foundation

/// Tapis v3 job states (docs/protocols/tapis.md §7.1) and the order a successful job passes through them.
enum TapisJobLifecycle {
    static let happyPath = ["PENDING", "PROCESSING_INPUTS", "STAGING_INPUTS", "STAGING_JOB", "SUBMITTING_JOB",
                            "QUEUED", "RUNNING", "ARCHIVING", "FINISHED"]
    static let all = happyPath + ["BLOCKED", "PAUSED", "CANCELLED", "FAILED"]
    static let terminal: Set<String> = ["FINISHED", "CANCELLED", "FAILED"]

    /// The states from after `current` to `target`: the rest of the happy path when `target` lies ahead on it,
    /// else `target` alone.
    static func steps(from current: String?, to target: String) -> [String] {
        guard let end = happyPath.firstIndex(of: target) else { return [target] }
        let start = current.flatMap { happyPath.firstIndex(of: $0) }.map { $0 + 1 } ?? 0
        return start <= end ? Array(happyPath[start...end]) : [target]
    }
}

/// One job: its record in memory, its outputs real files under `<state>/jobs/<uuid>/outputs/`.
struct TapisJob: Sendable {
    struct Event: Sendable {
        var status: String
        var created: Date
    }

    /// A RUNNING job that moves on by itself: `running` seconds in RUNNING (a line appended to `progress.log`
    /// every `logInterval` seconds), then `archiving` seconds in ARCHIVING, then FINISHED.
    struct Timeline: Sendable {
        var running: TimeInterval
        var archiving: TimeInterval
        var logInterval: TimeInterval
        var linesWritten = 0
    }

    var uuid: String
    var name: String
    var owner: String
    var appId: String
    var appVersion: String
    var execSystemId: String
    var archiveSystemId: String
    var status: String
    var created: Date
    var lastUpdated: Date
    var remoteStarted: Date?
    var ended: Date?
    var history: [Event]
    var timeline: Timeline?

    var isTerminal: Bool { TapisJobLifecycle.terminal.contains(status) }
    var condition: String? {
        switch status {
        case "FINISHED": return "NORMAL_COMPLETION"
        case "CANCELLED": return "CANCELLED_BY_USER"
        case "FAILED": return "JOB_EXECUTION_MONITORING_ERROR"
        default: return nil
        }
    }
}

/// The emulator's jobs. Jobs with a timeline advance lazily: every read first calls `catchUp(now:)`, which writes
/// the progress lines and state changes due since the last call, so no background task is needed.
/// Thread-safe: one lock guards the records and every write to an output file.
final class TapisJobStore: @unchecked Sendable {
    let directory: URL
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var jobs: [String: TapisJob] = [:]

    init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func outputsDirectory(of uuid: String) -> URL {
        directory.appendingPathComponent(uuid, isDirectory: true).appendingPathComponent("outputs", isDirectory: true)
    }

    func job(_ uuid: String) -> TapisJob? { lock.withLock { jobs[uuid] } }

    /// The jobs of `owner`, oldest first (the order they were created in).
    func jobs(owner: String) -> [TapisJob] {
        lock.withLock { jobs.values.filter { $0.owner == owner } }.sorted { ($0.created, $0.uuid) < ($1.created, $1.uuid) }
    }

    /// Adds a job that has passed through every state up to its `status`, one second apart from `created`.
    func add(_ job: TapisJob, outputs: [String: Data]) throws {
        try lock.withLock {
            var job = job
            job.history = []
            apply(&job, to: job.status, at: job.created, spacing: 1)
            try FileManager.default.createDirectory(at: outputsDirectory(of: job.uuid), withIntermediateDirectories: true)
            for (path, data) in outputs.sorted(by: { $0.key < $1.key }) {
                try write(data, uuid: job.uuid, path: path, append: false)
            }
            jobs[job.uuid] = job
        }
    }

    func advance(_ uuid: String, to status: String, at date: Date) throws {
        try lock.withLock {
            guard var job = jobs[uuid] else { throw TapisError.notFound("No job \(uuid)") }
            apply(&job, to: status, at: date, spacing: 0)
            jobs[uuid] = job
        }
    }

    func append(_ data: Data, uuid: String, path: String) throws {
        try lock.withLock {
            guard var job = jobs[uuid] else { throw TapisError.notFound("No job \(uuid)") }
            try write(data, uuid: uuid, path: path, append: true)
            job.lastUpdated = Date()
            jobs[uuid] = job
        }
    }

    /// Advances every job with a timeline to where it should be at `now`.
    func catchUp(now: Date) {
        lock.withLock {
            for (uuid, var job) in jobs {
                guard let timeline = job.timeline, !job.isTerminal, let since = job.remoteStarted else { continue }
                let runEnd = since.addingTimeInterval(timeline.running)
                let finish = runEnd.addingTimeInterval(timeline.archiving)
                if timeline.logInterval > 0 {
                    let due = Int((min(now, runEnd).timeIntervalSince(since) / timeline.logInterval).rounded(.down))
                    while let written = job.timeline?.linesWritten, written < due {
                        let line = written + 1
                        let stamp = TapisReplies.instant(since.addingTimeInterval(Double(line) * timeline.logInterval))
                        try? write(Data("\(stamp) step \(line) done\n".utf8), uuid: uuid, path: "progress.log", append: true)
                        job.timeline?.linesWritten = line
                        job.lastUpdated = now
                    }
                }
                if now >= runEnd, job.status == "RUNNING" { apply(&job, to: "ARCHIVING", at: runEnd, spacing: 0) }
                if now >= finish, !job.isTerminal { apply(&job, to: "FINISHED", at: finish, spacing: 0) }
                jobs[uuid] = job
            }
        }
    }

    // MARK: private (called with the lock held)

    private func apply(_ job: inout TapisJob, to status: String, at date: Date, spacing: TimeInterval) {
        for (index, step) in TapisJobLifecycle.steps(from: job.history.last?.status, to: status).enumerated() {
            let when = date.addingTimeInterval(Double(index) * spacing)
            job.history.append(.init(status: step, created: when))
            if step == "RUNNING" { job.remoteStarted = when }
            if TapisJobLifecycle.terminal.contains(step) { job.ended = when }
            job.lastUpdated = when
        }
        job.status = status
    }

    private func write(_ data: Data, uuid: String, path: String, append: Bool) throws {
        let segments = try SystemPath.validatedSegments(path)
        guard !segments.isEmpty else { throw TapisError.badRequest("Invalid output path '\(path)'") }
        try OutputFile.write(data, under: outputsDirectory(of: uuid), segments: segments, append: append)
    }
}
