import Foundation

/// A service whose server-side jobs the Core's `TransferTracker` follows: FTS3 (its `TransferService`), a backend's
/// own jobs (Agave imports, JDMA requests). The tracker journals each job, polls it by the one `PollPolicy`, shows
/// it in `.sciencefs/transfers/` and `sciencefs status`, and follows it again after a restart.
///
/// Thread-safety: every method may be called from any thread; `status` and `cancel` block until the service answered.
public protocol JobService: AnyObject, Sendable {
    /// The journal's key for this service's jobs, unique in one tracker: a backend's source name, or "fts3".
    /// Also the first part of the job's file name in `.sciencefs/transfers/` (`<name>-<job id>.json`).
    var name: String { get }
    /// What kind of job this is, as `.sciencefs/transfers/` shows it ("fts3", "agave-import", "jdma-get"...).
    func kind(of jobID: String) -> String
    /// Where the job stands. `state` uses the tracker's words (`SUBMITTED`, `ACTIVE`, `FINISHED`, `FAILED`,
    /// `CANCELED`...); each file's `state` may be the service's own word (`STAGING_FAILED`, `GET_PENDING`).
    /// Throws `FSError.notFound` when the service does not know the job: the tracker then gives it up at once.
    func status(of job: TrackedJob) throws -> TransferJobStatus
    /// Asks the service to stop the job. Cancelling a job that already ended is not an error.
    func cancel(_ job: TrackedJob) throws
    /// Called after a poll that changed the job's state or a file's state, on the polling thread.
    func jobChanged(_ job: TrackedJob)
    /// Called once per process when the job ended (finished, failed, cancelled, or given up as `LOST`), on the
    /// thread that saw it end, before the mount refreshes the job's destinations.
    func jobEnded(_ job: TrackedJob)
}

extension JobService {
    public func kind(of jobID: String) -> String { name }
    public func cancel(_ job: TrackedJob) throws { throw FSError.unsupported }
    public func jobChanged(_ job: TrackedJob) {}
    public func jobEnded(_ job: TrackedJob) {}
}

/// Follows a third-party copy service's jobs (FTS3): the job id is the service's.
final class CopyServiceJobs: JobService {
    let service: TransferService
    var name: String { service.name }

    init(_ service: TransferService) { self.service = service }

    func status(of job: TrackedJob) throws -> TransferJobStatus { try service.status(of: job.jobID) }
    func cancel(_ job: TrackedJob) throws { try service.cancel(job.jobID) }
}
