import BackendKit
import Foundation
import SciencefsCore
import SciencefsHTTP

/// Imports (`urlToIngest`, docs/protocols/agave.md §4.5) as jobs of the Core's tracker, which journals them, polls
/// them by the one `PollPolicy`, shows them in `.sciencefs/transfers/` (kind `agave-import`) and follows them again
/// after a restart. The service answers 202 and stages on its own, so a job's progress is read from the
/// destination's history (§4.8): the newest STAGING_COMPLETED or STAGING_FAILED made since the import was asked for
/// ends it. The job's one file carries the destination as `agave://<system>/<path>`.
final class AgaveImports: JobService {
    let name: String
    /// Reads a destination's whole history, every page (the same reader uploads are followed with).
    private let history: AgaveStagingFollower

    init(name: String, api: AgaveAPI, pageSize: Int) {
        self.name = name
        self.history = AgaveStagingFollower(api: api, pageSize: pageSize)
    }

    func kind(of jobID: String) -> String { "agave-import" }

    func status(of job: TrackedJob) throws -> TransferJobStatus {
        guard let file = job.files.first, let (system, path) = Self.parse(file.destinationURL) else { throw FSError.notFound }
        // The service's clock and ours differ a little.
        let since = job.created.addingTimeInterval(-2)
        // No history yet (404): still queued (docs/protocols/agave.md §4.8).
        let events = try history.history(system: system, path: path) ?? []
        let event = Self.deciding(events, since: since)
        let word = event?.status ?? "STAGING_QUEUED"
        let state: TransferJobState
        var reason: String?
        switch word {
        case "STAGING_COMPLETED": state = .finished
        case "STAGING_FAILED":
            state = .failed
            reason = "STAGING_FAILED" + (event?.description.map { ": \($0)" } ?? "")
        case "STAGING": state = .active
        default: state = .submitted
        }
        let files = job.files.map {
            TransferFileStatus(source: $0.sourceURL, destination: $0.destinationURL, state: word, reason: reason,
                               size: $0.size, transferred: state == .finished ? ($0.size ?? 0) : 0)
        }
        return TransferJobStatus(jobID: job.jobID, state: state, reason: reason, files: files)
    }

    /// The newest import event made since `since` (by time, then by place in the list): a terminal one wins over
    /// STAGING_QUEUED and STAGING. Events of other kinds (an upload, a permission change) say nothing about it.
    static func deciding(_ events: [AgaveHistoryEvent], since: Date) -> AgaveHistoryEvent? {
        let relevant = events.enumerated().filter { _, event in
            ["STAGING_QUEUED", "STAGING"].contains(event.status) || AgaveHistoryEvent.terminal.contains(event.status)
        }.filter { _, event in event.created.flatMap(ISOTimestamp.parse).map { $0 >= since } ?? true }
        let terminal = relevant.filter { AgaveHistoryEvent.terminal.contains($0.element.status) }
        return (terminal.isEmpty ? relevant : terminal).max { a, b in
            let ta = a.element.created.flatMap(ISOTimestamp.parse) ?? .distantPast
            let tb = b.element.created.flatMap(ISOTimestamp.parse) ?? .distantPast
            return ta == tb ? a.offset < b.offset : ta < tb
        }?.element
    }

    /// `agave://<system>/<percent-encoded path>`, the form `urlToIngest` takes (§4.5).
    static func url(system: String, path: [String]) -> String {
        "agave://\(system)/" + path.map { PercentEncoding.pathSegment($0) }.joined(separator: "/")
    }

    static func parse(_ url: String) -> (system: String, path: [String])? {
        guard url.hasPrefix("agave://") else { return nil }
        let parts = url.dropFirst("agave://".count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let system = parts.first, !system.isEmpty, parts.count > 1 else { return nil }
        let path = parts.dropFirst().map { $0.removingPercentEncoding ?? $0 }
        return path.contains("") ? nil : (system, Array(path))
    }
}
