import BackendKit
import Foundation
import SciencefsCore
import SciencefsHTTP

/// Transfer tasks (`POST /v3/files/transfers`, docs/protocols/tapis.md §6) as jobs of the Core's tracker, which
/// journals them, polls them by the one `PollPolicy`, shows them in `.sciencefs/transfers/` (kind `tapis-transfer`)
/// and follows them again after a restart. The job id is the task's `uuid`; its status comes from
/// `GET /v3/files/transfers/{uuid}`, and `DELETE` of that URL cancels it.
final class TapisTransferTasks: JobService {
    let name: String
    private let api: TapisAPI

    init(name: String, api: TapisAPI) {
        self.name = name
        self.api = api
    }

    func kind(of jobID: String) -> String { "tapis-transfer" }

    func status(of job: TrackedJob) throws -> TransferJobStatus {
        let task: TapisTransferTask
        do {
            task = try api.result(TapisTransferTask.self, .get, api.endpoints.transfer(job.jobID))
        } catch HTTPError.status(code: 404, _) {
            throw FSError.notFound
        }
        let state = Self.state(task.status)
        let reason = state == .failed || state == .canceled ? (task.errorMessage ?? task.status) : nil
        let moved = task.totalBytesTransferred?.unsigned
        let files = job.files.map {
            TransferFileStatus(source: $0.sourceURL, destination: $0.destinationURL, state: task.status, reason: reason,
                               size: $0.size ?? task.estimatedTotalBytes?.unsigned,
                               transferred: state == .finished ? ($0.size ?? moved ?? 0) : (moved ?? 0))
        }
        return TransferJobStatus(jobID: job.jobID, state: state, reason: reason, files: files)
    }

    func cancel(_ job: TrackedJob) throws {
        _ = try api.send(.delete, api.endpoints.transfer(job.jobID))
    }

    /// The tracker's word for a task status (`TransferStatusEnum` of the files spec).
    static func state(_ status: String) -> TransferJobState {
        switch status.uppercased() {
        case "COMPLETED": return .finished
        case "FAILED", "FAILED_OPT": return .failed
        case "CANCELLED": return .canceled
        case "IN_PROGRESS", "STAGED": return .active
        default: return .submitted // ACCEPTED, PAUSED, anything new
        }
    }
}
