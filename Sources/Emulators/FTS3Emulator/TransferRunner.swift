import Foundation
import Logging

/// Runs accepted jobs in the background, one thread per job (the storage client blocks), its files one after
/// another: SUBMITTED → ACTIVE → FINISHED | FAILED, then the job's terminal state.
///
/// Timing: a job waits a fifth of the transfer duration in SUBMITTED (so clients see it queued); each file
/// then stays ACTIVE for at least `transferDuration`, its source being read over the first 60 % of it so that
/// `transferred` grows visibly. A failed file is retried `retry` times (after `retry_delay` seconds) when the
/// failure may be transient. A multi-replica job tries the next replica after a failure; a multihop job runs
/// the next hop after a success.
final class TransferRunner: @unchecked Sendable {
    private let store: JobStore
    private let copier: StorageCopier
    private let failures: FailureRules
    private let transferDuration: TimeInterval
    private let logger: Logger
    private let lock = NSLock()
    private var threads: [String: Thread] = [:]
    private var stopping = false
    private var copied: UInt64 = 0

    init(store: JobStore, copier: StorageCopier, failures: FailureRules, transferDuration: TimeInterval, logger: Logger) {
        self.store = store
        self.copier = copier
        self.failures = failures
        self.transferDuration = max(0, transferDuration)
        self.logger = logger
    }

    /// Payload bytes read from sources so far.
    var bytesCopied: UInt64 { lock.withLock { copied } }

    func launch(_ jobID: String) {
        let thread = Thread { [self] in
            run(jobID)
            lock.withLock { threads[jobID] = nil }
        }
        thread.name = "fts3-emulator-job-\(jobID.prefix(8))"
        lock.withLock { threads[jobID] = thread }
        thread.start()
    }

    /// Makes every running job stop at its next step (copies are aborted, states left as they are) and waits
    /// up to `timeout` for the threads to end. New jobs may be launched afterwards.
    func stopAll(timeout: TimeInterval = 10) {
        lock.withLock { stopping = true }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, lock.withLock({ !threads.isEmpty }) {
            Thread.sleep(forTimeInterval: 0.01)
        }
        if lock.withLock({ !threads.isEmpty }) {
            logger.warning("FTS3 emulator transfer threads did not stop in time")
        }
    }

    /// Lets jobs run again after `stopAll` (the emulator was restarted).
    func resume() { lock.withLock { stopping = false } }

    private var isStopping: Bool { lock.withLock { stopping } }

    // MARK: One job

    private func run(_ jobID: String) {
        guard wait(until: Date().addingTimeInterval(transferDuration / 5), jobID: jobID, index: nil) else { return }
        while !isStopping, let index = store.nextSubmittedFile(jobID) {
            runFile(jobID, index: index)
        }
        if !isStopping { store.completeJob(jobID) }
    }

    private func runFile(_ jobID: String, index: Int) {
        guard let job = store.startFile(jobID, index: index) else { return }
        let file = job.files[index]
        let started = Date()
        let outcome: StorageCopier.Outcome
        if let reason = failures.reason(for: file) {
            outcome = wait(until: started.addingTimeInterval(transferDuration), jobID: jobID, index: index)
                ? .failed(reason: reason, recoverable: false) : .canceled
        } else {
            let hooks = StorageCopier.Hooks(
                progress: { [store] in store.setProgress(jobID, index: index, transferred: $0) },
                sourceSize: { [store] in store.setFilesize(jobID, index: index, size: $0) },
                bytesRead: { [self] count in lock.withLock { copied += UInt64(count) } },
                isCanceled: { [self] in isStopping || store.fileState(jobID, index: index) != .active },
                readingTime: transferDuration * 0.6)
            let result = copier.copy(file, of: job, hooks: hooks)
            if wait(until: started.addingTimeInterval(transferDuration), jobID: jobID, index: index) {
                outcome = result
            } else {
                // Canceled after the bytes arrived: like FTS, do not leave the copy of a canceled transfer.
                if result == .finished, !isStopping { copier.removeDestination(of: file, job: job) }
                outcome = .canceled
            }
        }

        switch outcome {
        case .finished:
            logger.debug("FTS3 emulator file finished", metadata: ["job": "\(jobID)", "file": "\(file.fileID)"])
            if store.finishFile(jobID, index: index, state: .finished, reason: ""), job.jobType == "H" {
                store.releaseNext(jobID, after: index)
            }
        case .failed(let reason, let recoverable):
            logger.debug("FTS3 emulator file failed", metadata: ["job": "\(jobID)", "file": "\(file.fileID)", "reason": "\(reason)"])
            if recoverable, file.retry < job.retry, store.retryFile(jobID, index: index, reason: reason) {
                _ = wait(until: Date().addingTimeInterval(TimeInterval(max(0, job.retryDelay))), jobID: jobID, index: nil)
                return
            }
            if store.finishFile(jobID, index: index, state: .failed, reason: reason), job.jobType == "R" {
                store.releaseNext(jobID, after: index)
            }
        case .canceled:
            break
        }
    }

    /// Sleeps until `deadline`; false when the emulator stops, the job ends, or (with `index`) the file stops
    /// being ACTIVE before then.
    private func wait(until deadline: Date, jobID: String, index: Int?) -> Bool {
        while true {
            if isStopping { return false }
            if let index {
                if store.fileState(jobID, index: index) != .active { return false }
            } else if store.job(jobID)?.state.isTerminal ?? true {
                return false
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return true }
            Thread.sleep(forTimeInterval: min(0.02, left))
        }
    }
}
