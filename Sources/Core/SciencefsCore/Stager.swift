import Foundation
import SciencefsStore

/// The prefetch jobs of `sciencefs stage`: whole files copied into the data cache ahead of the job that reads them,
/// for sources whose service has no staging of its own (Agave, Rucio without a target RSE). A job's files are cut
/// into ranges of `chunk` bytes that run on the mount's `ReadaheadPool`, under its budget of bytes in flight, as
/// readahead does: no thread of its own per file, and a stage of a thousand files asks for no more at once than a
/// reader would. Ranges the cache holds already are skipped.
///
/// A job service of the mount's `TransferTracker` (`prefetch-<id>` in `.sciencefs/transfers/`): the tracker journals
/// it and polls it here (in memory, no request). A prefetch does not outlive the daemon: after a remount its job is
/// unknown here and the tracker gives it up as `LOST`; what was cached stays cached, and staging again fetches the rest.
///
/// `@unchecked Sendable` because `lock` guards `jobs` and `answers`; a `PrefetchJob` guards its own figures.
/// Lock order (see `VFS`): a leaf; the pool's lock is taken after it is released.
final class Stager: JobService, @unchecked Sendable {
    static let serviceName = "prefetch"
    var name: String { Self.serviceName }
    private let pool: ReadaheadPool
    private let chunk: UInt64
    private let lock = NSLock()
    private var jobs: [String: PrefetchJob] = [:]
    /// The last stage request's answer per mount path: the jobs it started or joined (`user.sciencefs.stage`).
    private var answers: [String: [JobKey]] = [:]

    init(pool: ReadaheadPool, chunk: UInt64) {
        self.pool = pool
        self.chunk = max(1 << 16, chunk)
    }

    func kind(of jobID: String) -> String { "prefetch" }

    /// Starts prefetching `files` (each with its cache object and how to fetch it); returns the job's id.
    func start(_ files: [PrefetchJob.File]) -> String {
        let job = PrefetchJob(id: Self.newID(), files: files)
        lock.withLock { jobs[job.id] = job }
        for (index, file) in files.enumerated() {
            var offset: UInt64 = 0
            while offset < file.size {
                let length = min(chunk, file.size - offset)
                let range = offset..<(offset + length)
                let cached = file.object.cachedRun(at: offset, max: length)
                if cached < length {
                    let missing = (offset + cached)..<range.upperBound
                    job.queued(index)
                    pool.submit(length: UInt64(missing.count), owner: job) { job.run(index, missing) }
                }
                offset += length
            }
        }
        return job.id
    }

    func status(of tracked: TrackedJob) throws -> TransferJobStatus {
        guard let job = lock.withLock({ jobs[tracked.jobID] }) else { throw FSError.notFound }
        return job.status()
    }

    func jobEnded(_ tracked: TrackedJob) {
        _ = lock.withLock { jobs.removeValue(forKey: tracked.jobID) }
    }

    func remember(_ keys: [JobKey], for mountPath: String) {
        lock.withLock { answers[mountPath] = keys }
    }

    /// What the last stage request of `mountPath` started: one `<service>/<job id>` a line, or "ready".
    func answer(for mountPath: String) -> String? {
        lock.withLock { answers[mountPath] }.map { keys in
            keys.isEmpty ? "ready" : keys.map(\.description).joined(separator: "\n")
        }
    }

    /// Unique across restarts too: the journal keeps the ids of earlier runs.
    private static func newID() -> String {
        String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12)).lowercased()
    }
}

/// One prefetch job: its files and how far each has come. `@unchecked Sendable` because `lock` guards `progress`;
/// the rest is `let`.
final class PrefetchJob: @unchecked Sendable {
    struct File: Sendable {
        let mountPath: String
        let size: UInt64
        let object: CachedObject
        let fetch: @Sendable (_ start: UInt64, _ length: UInt64, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    }

    private struct Progress {
        var ranges = 0
        var running = false
        var failure: String?
    }

    let id: String
    let files: [File]
    private let lock = NSLock()
    private var progress: [Progress]

    init(id: String, files: [File]) {
        self.id = id
        self.files = files
        progress = Array(repeating: Progress(), count: files.count)
    }

    func queued(_ index: Int) { lock.withLock { progress[index].ranges += 1 } }

    /// On a fetcher of the pool: brings `range` of file `index` into the cache. A failure is kept as the file's
    /// reason (the reader of the file later fetches for itself and reports its own error).
    func run(_ index: Int, _ range: Range<UInt64>) {
        let file = files[index]
        lock.withLock { progress[index].running = true }
        var cursor = range.lowerBound
        var failure: String?
        do {
            try file.fetch(range.lowerBound, UInt64(range.count)) { bytes in
                guard try file.object.write(at: cursor, bytes: bytes) else {
                    throw FSError.noSpace
                }
                cursor += UInt64(bytes.count)
            }
            if cursor < range.upperBound { failure = "the service sent \(cursor - range.lowerBound) of \(range.count) bytes" }
        } catch FSError.noSpace {
            failure = "the data cache cannot keep the file (data_cache_size_mb)"
        } catch {
            failure = "\(FSError.from(error))"
        }
        lock.withLock {
            progress[index].ranges -= 1
            if let failure, progress[index].failure == nil { progress[index].failure = failure }
        }
    }

    /// In the tracker's words: FINISHED once every file is whole in the cache, FAILED once every range ended and one
    /// failed; each file `FINISHED`, `FAILED`, `ACTIVE` or `SUBMITTED`, with its bytes cached so far.
    func status() -> TransferJobStatus {
        let figures = lock.withLock { progress }
        var statuses: [TransferFileStatus] = []
        var pending = false, started = false
        var reasons: [String] = []
        for (file, figure) in zip(files, figures) {
            let cached = file.object.cachedRun(at: 0, max: file.size)
            let state: String
            if cached >= file.size {
                state = "FINISHED"
            } else if figure.ranges > 0 {
                state = figure.running ? "ACTIVE" : "SUBMITTED"
                pending = true
            } else {
                state = "FAILED"
                reasons.append("\(file.mountPath): \(figure.failure ?? "not cached (evicted?)")")
            }
            started = started || figure.running
            statuses.append(TransferFileStatus(source: file.mountPath, destination: "data cache", state: state,
                                               reason: state == "FAILED" ? (figure.failure ?? "not cached") : nil,
                                               size: file.size, transferred: min(cached, file.size)))
        }
        let state: TransferJobState = pending ? (started ? .active : .submitted) : reasons.isEmpty ? .finished : .failed
        return TransferJobStatus(jobID: id, state: state, reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "),
                                 files: statuses)
    }
}
