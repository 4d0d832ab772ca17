import Foundation
import SciencefsCore

/// JDMA's requests as jobs of the Core's tracker, which journals them, polls them by the one `PollPolicy`, shows them
/// in `.sciencefs/transfers/` and follows them again after a restart. Job ids are `GET-<request id>`,
/// `PUT-<request id>` and `DELETE-<request id>`; kinds `jdma-get`, `jdma-put`, `jdma-delete`. The job's state is the
/// tracker's word; each file's state is the request's stage name (docs/protocols/jdma.md §5).
final class JDMARequests: JobService {
    let name: String
    private let client: JDMAClient
    private let changed: @Sendable (TrackedJob) -> Void
    private let ended: @Sendable (TrackedJob) -> Void

    init(name: String, client: JDMAClient, changed: @escaping @Sendable (TrackedJob) -> Void,
         ended: @escaping @Sendable (TrackedJob) -> Void) {
        self.name = name
        self.client = client
        self.changed = changed
        self.ended = ended
    }

    static func jobID(_ kind: JDMAStages.RequestKind, _ requestID: Int) -> String { "\(kind.name)-\(requestID)" }

    /// (kind, request id) of a job id made by `jobID`.
    static func parse(_ jobID: String) -> (kind: String, requestID: Int)? {
        guard let dash = jobID.lastIndex(of: "-"), let id = Int(jobID[jobID.index(after: dash)...]) else { return nil }
        return (String(jobID[..<dash]), id)
    }

    func kind(of jobID: String) -> String { "jdma-" + (Self.parse(jobID)?.kind.lowercased() ?? "request") }

    func status(of job: TrackedJob) throws -> TransferJobStatus {
        guard let requestID = Self.parse(job.jobID)?.requestID else { throw FSError.notFound }
        let record: JDMARequestRecord
        do { record = try client.request(id: requestID) } catch {
            throw JDMAErrorMapping.fsError(error, operation: "poll", target: "request \(requestID)")
        }
        return Self.status(record, of: job)
    }

    func jobChanged(_ job: TrackedJob) { changed(job) }
    func jobEnded(_ job: TrackedJob) { ended(job) }

    /// A request record in the tracker's words: failed stages FAILED, other final stages FINISHED, the first stage of
    /// each kind SUBMITTED, the rest ACTIVE.
    static func status(_ record: JDMARequestRecord, of job: TrackedJob) -> TransferJobStatus {
        let stage = JDMAStages.Request(rawValue: record.stage)
        let stageName = JDMAStages.Request.name(of: record.stage)
        let state: TransferJobState
        switch stage {
        case let stage? where stage.isFailure: state = .failed
        case let stage? where stage.isFinal: state = .finished
        case .putStart?, .getStart?, .deleteStart?: state = .submitted
        default: state = .active
        }
        let reason = state == .failed ? stageName + (record.failureReason.map { ": \($0)" } ?? "") : nil
        let files = job.files.map { file in
            TransferFileStatus(source: file.sourceURL, destination: file.destinationURL, state: stageName, reason: reason,
                               size: file.size, transferred: state == .finished ? (file.size ?? 0) : 0)
        }
        return TransferJobStatus(jobID: job.jobID, state: state, reason: reason, files: files)
    }

    /// How a GET job names the batch it retrieves (its file's source), and back.
    static func batchURL(_ batchID: Int) -> String { "jdma-batch:\(batchID)" }

    static func batchID(of job: TrackedJob) -> Int? {
        guard let url = job.files.first?.sourceURL, url.hasPrefix("jdma-batch:") else { return nil }
        return Int(url.dropFirst("jdma-batch:".count))
    }
}
