import Foundation
import SciencefsCore

/// `sciencefs stage` on Rucio: with a target RSE (`--to`, or the source's `stage_rse`), one replication rule for the
/// DID the user named, as `rucio add-rule DID 1 RSE` makes it (docs/protocols/rucio.md §6.6), followed by the Core's
/// tracker until OK; reads of its files then try that RSE first. Without a target, the Core prefetches the files into
/// its data cache.
extension RucioBackend {
    struct NewRule: Encodable {
        struct DIDRef: Encodable { var scope: String; var name: String }
        var dids: [DIDRef]
        var copies = 1
        var rse_expression: String
        var weight: String?
        var lifetime: Int?
        var grouping = "DATASET"
        var account: String?
        var locked = false
        var source_replica_expression: String?
        var activity: String?
        var notify = "N"
        var purge_replicas = false
        var ignore_availability = false
        var comment: String?
        var ask_approval = false
        var asynchronous = false
        var delay_injection: Int?
        var priority = 3
        var meta: String?

        // The client sends every key, nulls included (§6.6); synthesised Encodable would leave the nils out.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(dids, forKey: .dids)
            try c.encode(copies, forKey: .copies)
            try c.encode(rse_expression, forKey: .rse_expression)
            try c.encode(weight, forKey: .weight)
            try c.encode(lifetime, forKey: .lifetime)
            try c.encode(grouping, forKey: .grouping)
            try c.encode(account, forKey: .account)
            try c.encode(locked, forKey: .locked)
            try c.encode(source_replica_expression, forKey: .source_replica_expression)
            try c.encode(activity, forKey: .activity)
            try c.encode(notify, forKey: .notify)
            try c.encode(purge_replicas, forKey: .purge_replicas)
            try c.encode(ignore_availability, forKey: .ignore_availability)
            try c.encode(comment, forKey: .comment)
            try c.encode(ask_approval, forKey: .ask_approval)
            try c.encode(asynchronous, forKey: .asynchronous)
            try c.encode(delay_injection, forKey: .delay_injection)
            try c.encode(priority, forKey: .priority)
            try c.encode(meta, forKey: .meta)
        }

        enum CodingKeys: String, CodingKey {
            case dids, copies, rse_expression, weight, lifetime, grouping, account, locked, source_replica_expression
            case activity, notify, purge_replicas, ignore_availability, comment, ask_approval, asynchronous
            case delay_injection, priority, meta
        }
    }

    /// Registers the rule jobs with the Core's tracker and learns where finished rules put files.
    public func attach(_ jobs: ServerJobs) {
        let service = RucioRules(name: name, api: api) { [weak self] job in self?.ruleEnded(job) }
        do { try jobs.register(service) } catch {
            logger.error("Rucio rules cannot be followed", metadata: ["source": "\(name)", "why": "\(error)"])
            return
        }
        jobsSlot.jobs = jobs
        for job in jobs.jobs() { placements.record(job, source: name) }
    }

    public func stage(_ path: RemotePath, files: [StageFile], target: String?) throws -> StageAnswer {
        guard let rse = target ?? configuration.stageRSE else { return .prefetch }
        return try mapErrors("stage", path) {
            guard case .did(let did, _) = try RucioLocation(path) else {
                throw FSError.invalidArgument("a rule needs a DID (a file, dataset or container), not \(path)")
            }
            guard let jobs = jobsSlot.jobs else {
                throw FSError.io("Rucio source \(name) has no job journal to follow a rule with")
            }
            let didURL = "did:\(did)"
            // The same DID to the same RSE again: the rule that did it (or is doing it) answers; nothing is asked.
            if let earlier = jobs.jobs().first(where: { job in
                job.kind == RucioRules.kind && RucioRules.rse(of: job) == rse && job.files.first?.sourceURL == didURL
                    && (job.state == .finished || !job.state.isTerminal)
            }) {
                return earlier.state == .finished ? .ready : .jobs([earlier.jobID])
            }
            let body = NewRule(dids: [.init(scope: did.scope, name: did.name)], rse_expression: rse,
                               account: api.tokens.account)
            let response = try api.send(.post, api.endpoints.rules, json: body)
            guard let ruleID = try JSONDecoder().decode([String].self, from: response.body).first else {
                throw FSError.io("Rucio answered the new rule with no rule id")
            }
            logger.info("Rucio rule added", metadata: ["source": "\(name)", "did": "\(did)", "rse": "\(rse)", "rule": "\(ruleID)"])
            jobs.track(ruleID, files: files.map { file in
                TrackedTransferFile(sourcePath: TransferPlanner.mountPath(source: name, file.path),
                                    destinationPath: TransferPlanner.mountPath(source: name, file.path),
                                    sourceURL: didURL, destinationURL: RucioRules.target(rse: rse),
                                    size: file.attributes.size, adler32: nil)
            }, origin: "stage")
            return .jobs([ruleID])
        }
    }

    /// A rule ended: when OK, its files are read from its RSE first, and their replica lists are asked for again.
    func ruleEnded(_ job: TrackedJob) {
        placements.record(job, source: name)
        let prefix = name + "/"
        for file in job.files where file.sourcePath.hasPrefix(prefix) {
            forgetReplicas(at: RemotePath(string: String(file.sourcePath.dropFirst(prefix.count))))
        }
        logger.info("Rucio rule ended", metadata: ["source": "\(name)", "rule": "\(job.jobID)", "state": "\(job.state)"])
    }
}
