import Foundation

/// One source's door to the Core's `TransferTracker`, handed to its backend by `Backend.attach(_ jobs:)` (as
/// `NodeFacts` is): the backend registers how its jobs are asked about (`JobService`), journals each job it starts,
/// and may wait for one. The tracker polls, shows and journals them; the backend keeps no job list or poll loop of
/// its own, and knows nothing of the mount.
public final class ServerJobs: Sendable {
    /// The source's name: the journal's service name for its jobs.
    public let source: String
    private let tracker: TransferTracker

    init(source: String, tracker: TransferTracker) {
        self.source = source
        self.tracker = tracker
    }

    /// From now on the tracker asks `service` about this source's jobs. `service.name` must be the source's name.
    public func register(_ service: JobService) throws {
        guard service.name == source else {
            throw FSError.invalidArgument("job service \(service.name) registered for source \(source)")
        }
        try tracker.register(service)
    }

    /// Journals a job the service has just accepted; the tracker follows it from now on (the monitor, unless a
    /// `wait` does). Journaling a job already journaled changes nothing.
    public func track(_ jobID: String, files: [TrackedTransferFile], submittedAt: Date = Date(), origin: String = "mount") {
        tracker.track(JobKey(service: source, jobID: jobID), files: files, origin: origin, submittedAt: submittedAt)
    }

    /// Polls the job by the one `PollPolicy` until it ends (or is given up: `LOST`), on the caller's thread.
    public func wait(for jobID: String) throws -> TrackedJob {
        try tracker.wait(for: JobKey(service: source, jobID: jobID))
    }

    public func job(_ jobID: String) -> TrackedJob? {
        tracker.job(JobKey(service: source, jobID: jobID))
    }

    /// This source's jobs among the journal's newest, newest first.
    public func jobs(limit: Int = 500) -> [TrackedJob] {
        tracker.jobs(limit: limit).filter { $0.service == source }
    }

    /// Every job the monitor has not finished with yet (running, or ended and not yet applied), of this source.
    public func unfinished() -> [TrackedJob] {
        tracker.unapplied().filter { $0.service == source }
    }
}
