import EmulatorSupport
import Foundation

/// The emulator's jobs: records in memory and on disk (`<state>/jobs/<id>/record.json`), outputs as real files
/// under `<state>/jobs/<id>/outputs/`. Jobs with a timeline advance lazily: every request that reads jobs
/// first calls `catchUp(now:)`, which appends the progress lines and state changes due since the last call, so
/// no background task is needed and a paused test clock sees nothing move.
///
/// Thread-safe: one lock guards the records and every write to an output file.
final class JobStore: @unchecked Sendable {
    let directory: URL
    private let lock = NSLock()
    private var jobs: [String: EmulatedJob] = [:]

    init(stateDirectory: URL) throws {
        directory = stateDirectory.appendingPathComponent("jobs", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let record = directory.appendingPathComponent(name).appendingPathComponent("record.json")
            guard let data = try? Data(contentsOf: record) else { continue }
            let job = try Self.decoder.decode(EmulatedJob.self, from: data)
            jobs[job.id] = job
        }
    }

    func outputsDirectory(of id: String) -> URL {
        directory.appendingPathComponent(id, isDirectory: true).appendingPathComponent("outputs", isDirectory: true)
    }

    func job(_ id: String) -> EmulatedJob? { lock.withLock { jobs[id] } }

    /// All jobs of `owner`, newest first (by creation, then id), as Agave lists them.
    func jobs(owner: String) -> [EmulatedJob] {
        lock.withLock { jobs.values.filter { $0.owner == owner } }
            .sorted { ($0.created, $0.id) > ($1.created, $1.id) }
    }

    /// Adds a job that has passed through every state up to `status`, one second apart from `created`.
    func add(_ job: EmulatedJob, outputs: [String: Data]) throws {
        try lock.withLock {
            var job = job
            let target = job.status
            let created = job.created
            job.history = []
            apply(&job, to: target, at: created, spacing: 1)
            try FileManager.default.createDirectory(at: outputsDirectory(of: job.id), withIntermediateDirectories: true)
            for (path, data) in outputs.sorted(by: { $0.key < $1.key }) {
                try write(data, jobID: job.id, path: path, append: false)
            }
            try persist(job)
            jobs[job.id] = job
        }
    }

    /// Moves a job to `status` (through the intermediate states of a successful run, if it lies ahead).
    func advance(_ id: String, to status: String, at date: Date) throws {
        try lock.withLock {
            guard var job = jobs[id] else { throw JobStoreError.noSuchJob(id) }
            apply(&job, to: status, at: date, spacing: 0)
            try persist(job)
            jobs[id] = job
        }
    }

    /// Appends bytes to an output file (creating it and its folders), as a running job writes its outputs.
    func append(_ data: Data, jobID: String, path: String) throws {
        try lock.withLock {
            guard var job = jobs[jobID] else { throw JobStoreError.noSuchJob(jobID) }
            try write(data, jobID: jobID, path: path, append: true)
            job.lastModified = Date()
            try persist(job)
            jobs[jobID] = job
        }
    }

    /// Advances every job with a timeline to where it should be at `now`.
    func catchUp(now: Date) {
        lock.withLock {
            for (id, var job) in jobs {
                guard let timeline = job.timeline, !job.isTerminal, let runningSince = job.reached("RUNNING") else { continue }
                let runEnd = runningSince.addingTimeInterval(timeline.running)
                let finish = runEnd.addingTimeInterval(timeline.archiving)
                var changed = false
                if timeline.logInterval > 0 {
                    let due = Int((min(now, runEnd).timeIntervalSince(runningSince) / timeline.logInterval).rounded(.down))
                    while (job.timeline?.linesWritten ?? due) < due {
                        let line = (job.timeline?.linesWritten ?? 0) + 1
                        let stamp = WireTime.iso8601(runningSince.addingTimeInterval(Double(line) * timeline.logInterval),
                                                     zone: TimeZone(secondsFromGMT: 0) ?? .current)
                        try? write(Data("\(stamp) step \(line) done\n".utf8), jobID: id, path: "progress.log", append: true)
                        job.timeline?.linesWritten = line
                        changed = true
                    }
                }
                if now >= runEnd, job.status == "RUNNING" {
                    apply(&job, to: "ARCHIVING", at: runEnd, spacing: 0)
                    changed = true
                }
                if now >= finish, !job.isTerminal {
                    apply(&job, to: "FINISHED", at: finish, spacing: 0)
                    changed = true
                }
                if changed {
                    try? persist(job)
                    jobs[id] = job
                }
            }
        }
    }

    // MARK: private (called with the lock held)

    private func apply(_ job: inout EmulatedJob, to status: String, at date: Date, spacing: TimeInterval) {
        let steps = JobLifecycle.steps(from: job.history.last?.status, to: status)
        for (index, step) in steps.enumerated() {
            let when = date.addingTimeInterval(Double(index) * spacing)
            job.history.append(.init(status: step, created: when, description: JobLifecycle.describe(step)))
            if step == "RUNNING" { job.startTime = when }
            if JobLifecycle.terminal.contains(step) { job.endTime = when }
            job.lastModified = when
        }
        job.status = status
    }

    private func write(_ data: Data, jobID: String, path: String, append: Bool) throws {
        let segments = try SystemPath.validatedSegments(path)
        guard !segments.isEmpty else { throw JobStoreError.badOutputPath(path) }
        try OutputFile.write(data, under: outputsDirectory(of: jobID), segments: segments, append: append)
    }

    private func persist(_ job: EmulatedJob) throws {
        let folder = directory.appendingPathComponent(job.id, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.encoder.encode(job).write(to: folder.appendingPathComponent("record.json"), options: .atomic)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()
}

public enum JobStoreError: Error, CustomStringConvertible {
    case noSuchJob(String)
    case badOutputPath(String)
    case unknownStatus(String)

    public var description: String {
        switch self {
        case .noSuchJob(let id): return "No job with id \(id)"
        case .badOutputPath(let path): return "Invalid output path '\(path)'"
        case .unknownStatus(let status): return "Unknown job status '\(status)'"
        }
    }
}
