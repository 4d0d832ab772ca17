import Foundation
import SciencefsCore
import SciencefsHTTP

/// Replication rules made by `sciencefs stage --to RSE` as jobs of the Core's tracker, which journals them, polls
/// them by the one `PollPolicy` and shows them in `.sciencefs/transfers/` (kind `rucio-rule`) until the rule is OK.
/// The job id is the rule id. Each journaled file is one file of the rule's DID: source its mount path and the rule's
/// DID (`did:<scope>:<name>`), destination `rse:<RSE>`.
final class RucioRules: JobService {
    let name: String
    private let api: RucioAPI
    private let ended: @Sendable (TrackedJob) -> Void

    init(name: String, api: RucioAPI, ended: @escaping @Sendable (TrackedJob) -> Void) {
        self.name = name
        self.api = api
        self.ended = ended
    }

    static let kind = "rucio-rule"
    func kind(of jobID: String) -> String { Self.kind }

    /// A rule as `GET /rules/{id}` shows it (docs/protocols/rucio.md §6.6); only what the tracker needs.
    struct RuleRecord: Decodable {
        var state: String
        var locks_ok_cnt: Int?
        var locks_replicating_cnt: Int?
        var locks_stuck_cnt: Int?
        var error: String?
    }

    func status(of job: TrackedJob) throws -> TransferJobStatus {
        let rule: RuleRecord
        do {
            rule = try api.decode(RuleRecord.self, api.endpoints.rule(job.jobID))
        } catch {
            throw RucioErrorMapping.fsError(error, operation: "poll rule", target: job.jobID)
        }
        return Self.status(rule, of: job)
    }

    func jobEnded(_ job: TrackedJob) { ended(job) }

    /// The rule's state in the tracker's words (§6.6): OK is FINISHED, SUSPENDED FAILED; REPLICATING, STUCK (Rucio
    /// retries its stuck locks), INJECT and WAITING_APPROVAL are still under way. Every file shows the rule's word
    /// (FINISHED once the rule is OK, so the progress line counts it).
    static func status(_ rule: RuleRecord, of job: TrackedJob) -> TransferJobStatus {
        let word = rule.state.uppercased()
        let state: TransferJobState
        switch word {
        case "OK": state = .finished
        case "SUSPENDED": state = .failed
        case "INJECT", "WAITING_APPROVAL": state = .submitted
        default: state = .active
        }
        var reason = rule.error
        if word == "STUCK", reason == nil { reason = "\(rule.locks_stuck_cnt ?? 0) lock(s) stuck; Rucio retries them" }
        if state == .failed, reason == nil { reason = "rule \(word)" }
        let files = job.files.map { file in
            TransferFileStatus(source: file.sourceURL, destination: file.destinationURL,
                               state: state == .finished ? TransferJobState.finished.rawValue : word,
                               reason: state == .failed ? reason : nil, size: file.size,
                               transferred: state == .finished ? (file.size ?? 0) : 0)
        }
        return TransferJobStatus(jobID: job.jobID, state: state, reason: reason, files: files)
    }

    static func target(rse: String) -> String { "rse:" + rse }

    /// The RSE a rule job's files go to.
    static func rse(of job: TrackedJob) -> String? {
        guard let url = job.files.first?.destinationURL, url.hasPrefix("rse:") else { return nil }
        return String(url.dropFirst(4))
    }
}

/// Where finished rules of this mount put each file (remote path → RSE), learnt from the job journal: reads of those
/// files try that RSE's replica first. `@unchecked Sendable` because `lock` guards `rses`.
final class RulePlacements: @unchecked Sendable {
    private let lock = NSLock()
    private var rses: [String: String] = [:]

    func record(_ job: TrackedJob, source: String) {
        guard job.state == .finished, job.kind == RucioRules.kind, let rse = RucioRules.rse(of: job) else { return }
        let prefix = source + "/"
        lock.withLock {
            for file in job.files where file.sourcePath.hasPrefix(prefix) {
                rses["/" + file.sourcePath.dropFirst(prefix.count)] = rse
            }
        }
    }

    func rse(for path: RemotePath) -> String? { lock.withLock { rses[path.string] } }
}
