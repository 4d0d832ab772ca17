import Foundation
import SciencefsCore
import SciencefsHTTP

/// URLs of the FTS3 REST API (docs/protocols/fts3.md §3). Paths are appended to the endpoint with exactly one `/` between
/// (the real client sends `//jobs`; servers accept both). Ids travel as one percent-encoded path segment.
struct FTS3Endpoints: Sendable {
    /// The endpoint without a trailing slash, e.g. `https://fts.example.org:8446`.
    let base: String

    init(endpoint: URL) {
        var text = endpoint.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        base = text
    }

    private func seg(_ text: String) -> String { PercentEncoding.pathSegment(text) }

    var whoami: String { base + "/whoami" }
    var jobs: String { base + "/jobs" }
    func job(_ id: String) -> String { base + "/jobs/\(seg(id))" }
    func jobFiles(_ id: String) -> String { job(id) + "/files" }
    func delegation(_ id: String) -> String { base + "/delegation/\(seg(id))" }
    func delegationRequest(_ id: String) -> String { delegation(id) + "/request" }
    func delegationCredential(_ id: String) -> String { delegation(id) + "/credential" }

    /// A job id as the server issues them (a UUID): non-empty, and free of the `/` and `,` that would make the
    /// request address something else (`,` lists several jobs).
    static func validateJobID(_ id: String) throws {
        guard !id.isEmpty, !id.contains("/"), !id.contains(","), !id.contains(where: \.isWhitespace) else {
            throw FSError.invalidArgument("FTS3: not a job id: \"\(id)\"")
        }
    }
}
