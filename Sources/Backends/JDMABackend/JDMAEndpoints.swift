import Foundation
import SciencefsHTTP

/// URLs of the JDMA API (docs/protocols/jdma.md §1, §4). Uses the trailing-slash forms directly (no APPEND_SLASH redirect)
/// and percent-encodes query values (the Python client does not; §6.7).
struct JDMAEndpoints: Sendable {
    let root: String

    init(serverURL: String) { root = serverURL + "/api/v1/" }

    private func query(_ fields: [(String, String?)]) -> String {
        fields.compactMap { key, value in value.map { key + "=" + PercentEncoding.formComponent($0) } }
            .joined(separator: "&")
    }

    func user(_ name: String) -> String { root + "user?" + query([("name", name)]) }
    var storageBackends: String { root + "list_backends/" }
    /// POST target of upload/download/delete requests.
    var requests: String { root + "request" }

    func request(user: String, id: Int) -> String {
        root + "request?" + query([("name", user), ("request_id", String(id))])
    }

    /// The user's own requests (list form).
    func requests(user: String) -> String { root + "request?" + query([("name", user), ("filter", "user")]) }

    func batches(user: String, workspace: String? = nil) -> String {
        root + "migration/?" + query([("name", user), ("workspace", workspace)])
    }

    func batch(user: String, id: Int) -> String {
        root + "migration/?" + query([("name", user), ("migration_id", String(id))])
    }

    /// `digest` switches digests on by its mere presence (§6.3); `limit=0` means all files.
    func files(user: String, batchID: Int) -> String {
        root + "file/?" + query([("name", user), ("migration_id", String(batchID)), ("limit", "0"), ("digest", "0")])
    }

    func archives(user: String, batchID: Int) -> String {
        root + "archive/?" + query([("name", user), ("migration_id", String(batchID)), ("limit", "0"), ("digest", "0")])
    }

    func modifyBatch(user: String, id: Int) -> String { batch(user: user, id: id) }
}
