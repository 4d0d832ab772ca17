import BackendKit
import Foundation
import SciencefsCore
import SciencefsHTTP

/// Follows one request that Agave stages asynchronously (an upload, docs/protocols/agave.md §4.4) to its end through
/// the file's history (§4.8): `wait` returns once the service reports `STAGING_COMPLETED`, and throws EIO with the
/// service's reason on `STAGING_FAILED`.
///
/// Which events are this request's: the service writes `STAGING_QUEUED` into the history before it answers 202
/// (§4.4), and a history only grows, oldest event first (§4.8). So the last `STAGING_QUEUED` in the first history
/// read after the reply is ours, or a later one (another upload of the same file, whose outcome is then the file's
/// outcome too); the first terminal event after that place decides. An earlier upload's `STAGING_COMPLETED` —
/// a file written twice in a row — never counts. A server that wrote no `STAGING_QUEUED` is read by time instead:
/// the events from the request on (less two seconds, for the clocks' difference).
///
/// Imports read the history through `history` too (`AgaveImports`), and both are paced by the Core's one
/// `PollPolicy`.
struct AgaveStagingFollower {
    let api: AgaveAPI
    let pageSize: Int
    /// The pace of the polls and when to give up: the Core's one rule, with an upper bound on how long an upload's
    /// staging is waited for (an hour: close() cannot wait for ever).
    var policy = PollPolicy(firstInterval: 0.1, maxInterval: 5, maxDuration: 3600)

    /// Polls the history of `path` on `system` until the request made at `requestedAt` has been staged. `what` names
    /// the request in the error ("upload"). A poll that fails is retried on the same schedule; the policy decides
    /// when to give up (ETIMEDOUT after `maxDuration`, else EIO with the reason).
    func wait(for what: String, system: String, path: [String], requestedAt: Date) throws {
        var anchor: Int?
        var schedule = PollSchedule(policy: policy, now: Date())
        let place = "\(system)/\(path.joined(separator: "/"))"
        while true {
            let verdict: PollVerdict
            do {
                if let events = try history(system: system, path: path) {
                    let start = anchor ?? Self.anchor(in: events, requestedAt: requestedAt)
                    anchor = start
                    if let outcome = Self.outcome(in: events, from: start) {
                        guard outcome.status == "STAGING_COMPLETED" else {
                            throw StagingFailed(status: outcome.status, description: outcome.description)
                        }
                        return
                    }
                }
                verdict = schedule.answered(now: Date())
            } catch let failed as StagingFailed {
                throw FSError.io("Agave \(what) to \(place) failed: "
                    + "\(failed.status)\(failed.description.map { ": \($0)" } ?? "")")
            } catch {
                verdict = schedule.failed(notFound: false, now: Date())
            }
            switch verdict {
            case .pollAgain(let due): Thread.sleep(forTimeInterval: max(0, due.timeIntervalSinceNow))
            case .giveUp(let reason):
                if schedule.consecutiveFailures == 0 { throw FSError.timedOut }
                throw FSError.io("Agave \(what) to \(place) could not be followed: \(reason)")
            }
        }
    }

    /// The service's own verdict on the request: it will not be staged.
    private struct StagingFailed: Error {
        let status: String
        let description: String?
    }

    /// Every event of the file, oldest first, paged (§4.2's rule: stop at an empty page); nil while the service
    /// has no history for it yet (404).
    func history(system: String, path: [String]) throws -> [AgaveHistoryEvent]? {
        do {
            return try LimitOffsetPaging.fetchAll(pageSize: pageSize) { limit, offset in
                try api.result([AgaveHistoryEvent].self, .get,
                               api.endpoints.history(system: system, path: path, limit: limit, offset: offset))
            }
        } catch HTTPError.status(code: 404, _) {
            return nil
        }
    }

    /// Where this request's events begin in the first history read after its reply: just after the last
    /// `STAGING_QUEUED`; without one, at the first event made since the request.
    static func anchor(in events: [AgaveHistoryEvent], requestedAt: Date) -> Int {
        if let queued = events.lastIndex(where: { $0.status == "STAGING_QUEUED" }) { return queued + 1 }
        let since = requestedAt.addingTimeInterval(-2)
        return events.firstIndex { event in event.created.flatMap(ISOTimestamp.parse).map { $0 >= since } ?? false }
            ?? events.count
    }

    /// The first terminal event at or after `start`.
    static func outcome(in events: [AgaveHistoryEvent], from start: Int) -> AgaveHistoryEvent? {
        events.dropFirst(start).first { AgaveHistoryEvent.terminal.contains($0.status) }
    }
}
