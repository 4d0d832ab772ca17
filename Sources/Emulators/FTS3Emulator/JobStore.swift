import Foundation

/// Every job the emulator accepted, in memory, in submission order. The API and the transfer runner change
/// jobs only through these methods, each one critical section, so a cancel and a finishing copy cannot both
/// win: a file leaves ACTIVE once. Thread-safe.
final class JobStore: @unchecked Sendable {
    static let canceledReason = "Job canceled by the user"
    static let failedJobReason = "One or more files failed. Please have a look at the details for more information"

    private let lock = NSLock()
    private var jobs: [String: TransferJob] = [:]
    private var order: [String] = []
    private var lastFileID: Int64 = 0

    func nextFileID() -> Int64 {
        lock.withLock {
            lastFileID += 1
            return lastFileID
        }
    }

    func add(_ job: TransferJob) {
        lock.withLock {
            jobs[job.id] = job
            order.append(job.id)
        }
    }

    func job(_ id: String) -> TransferJob? { lock.withLock { jobs[id] } }

    func ids() -> [String] { lock.withLock { order } }

    func all() -> [TransferJob] { lock.withLock { order.compactMap { jobs[$0] } } }

    /// The state of one file, or nil if the job or file is unknown.
    func fileState(_ jobID: String, index: Int) -> FileState? {
        lock.withLock { jobs[jobID].flatMap { $0.files.indices.contains(index) ? $0.files[index].state : nil } }
    }

    // MARK: Cancel (API)

    /// Cancels a job that is not finished: the job and its SUBMITTED/ACTIVE files become CANCELED. Returns the
    /// job after the change and whether anything changed (false: it was already terminal).
    func cancel(_ id: String, now: Date = Date()) -> (job: TransferJob, changed: Bool)? {
        lock.withLock {
            guard var job = jobs[id] else { return nil }
            guard !job.state.isTerminal else { return (job, false) }
            job.state = .canceled
            job.cancelRequested = true
            job.finished = now
            job.reason = Self.canceledReason
            for index in job.files.indices where job.files[index].state.isActive {
                job.files[index].state = .canceled
                job.files[index].reason = Self.canceledReason
                job.files[index].finishTime = now
            }
            jobs[id] = job
            return (job, true)
        }
    }

    /// Cancels single files (`DELETE /jobs/{id}/files/{ids}`), returning each one's resulting state (or the
    /// server's message for a file not in the job). When no file is left running, the job becomes CANCELED.
    func cancelFiles(_ id: String, fileIDs: [String], now: Date = Date()) -> [String]? {
        lock.withLock {
            guard var job = jobs[id] else { return nil }
            var results: [String] = []
            for text in fileIDs {
                guard let fileID = Int64(text), let index = job.files.firstIndex(where: { $0.fileID == fileID }) else {
                    results.append("File does not belong to the job")
                    continue
                }
                guard job.files[index].state.isActive else {
                    results.append(job.files[index].state.rawValue)
                    continue
                }
                job.files[index].state = .canceled
                job.files[index].reason = Self.canceledReason
                job.files[index].finishTime = now
                results.append(FileState.canceled.rawValue)
            }
            if !job.state.isTerminal, !job.files.contains(where: { $0.state.isActive }) {
                job.state = .canceled
                job.cancelRequested = true
                job.finished = now
                job.reason = Self.canceledReason
            }
            jobs[id] = job
            return results
        }
    }

    // MARK: Transfer runner

    /// The index of the next file waiting to run, or nil when none is left or the job ended.
    func nextSubmittedFile(_ jobID: String) -> Int? {
        lock.withLock {
            guard let job = jobs[jobID], !job.state.isTerminal else { return nil }
            return job.files.firstIndex { $0.state == .submitted }
        }
    }

    /// SUBMITTED → ACTIVE for one file (and the job to ACTIVE). Returns the job as it is now, or nil when the
    /// file is no longer waiting (canceled meanwhile).
    func startFile(_ jobID: String, index: Int, now: Date = Date()) -> TransferJob? {
        lock.withLock {
            guard var job = jobs[jobID], !job.state.isTerminal, job.files[index].state == .submitted else { return nil }
            job.files[index].state = .active
            job.files[index].startTime = now
            job.files[index].finishTime = nil
            job.files[index].transferred = 0
            job.state = .active
            jobs[jobID] = job
            return job
        }
    }

    func setProgress(_ jobID: String, index: Int, transferred: Int64) {
        lock.withLock {
            guard jobs[jobID]?.files[index].state == .active else { return }
            jobs[jobID]?.files[index].transferred = transferred
        }
    }

    func setFilesize(_ jobID: String, index: Int, size: Int64) {
        lock.withLock { jobs[jobID]?.files[index].filesize = size }
    }

    /// ACTIVE → FINISHED/FAILED. Returns false (and changes nothing) when the file is no longer ACTIVE.
    @discardableResult
    func finishFile(_ jobID: String, index: Int, state: FileState, reason: String, now: Date = Date()) -> Bool {
        lock.withLock {
            guard var job = jobs[jobID], job.files[index].state == .active else { return false }
            job.files[index].state = state
            job.files[index].reason = reason
            job.files[index].finishTime = now
            if let start = job.files[index].startTime {
                let seconds = max(now.timeIntervalSince(start), 0.001)
                job.files[index].transferDuration = seconds
                job.files[index].throughput = Double(job.files[index].transferred) / seconds / 1_048_576
            }
            jobs[jobID] = job
            return true
        }
    }

    /// ACTIVE → SUBMITTED for another attempt (the job's `retry` allows it), with the failure kept as reason.
    @discardableResult
    func retryFile(_ jobID: String, index: Int, reason: String) -> Bool {
        lock.withLock {
            guard var job = jobs[jobID], job.files[index].state == .active else { return false }
            job.files[index].state = .submitted
            job.files[index].reason = reason
            job.files[index].retry += 1
            jobs[jobID] = job
            return true
        }
    }

    /// Puts the first on-hold row after `index` in line (next replica, next hop). Returns false if none.
    @discardableResult
    func releaseNext(_ jobID: String, after index: Int) -> Bool {
        lock.withLock {
            guard var job = jobs[jobID], !job.state.isTerminal,
                  let next = job.files.indices.first(where: { $0 > index && job.files[$0].state == .notUsed }) else { return false }
            job.files[next].state = .submitted
            jobs[jobID] = job
            return true
        }
    }

    /// Gives the job its terminal state once no file runs any more; a canceled job keeps CANCELED.
    func completeJob(_ jobID: String, now: Date = Date()) {
        lock.withLock {
            guard var job = jobs[jobID], !job.state.isTerminal, let final = job.terminalStateFromFiles() else { return }
            job.state = final
            job.finished = now
            switch final {
            case .failed, .finishedDirty: job.reason = Self.failedJobReason
            case .canceled: job.reason = Self.canceledReason
            default: job.reason = ""
            }
            jobs[jobID] = job
        }
    }
}
