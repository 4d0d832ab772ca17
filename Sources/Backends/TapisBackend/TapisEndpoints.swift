import SciencefsHTTP

/// Builds Tapis v3 URLs (docs/protocols/tapis.md). Every path segment is percent-encoded here, once.
struct TapisEndpoints: Sendable {
    let baseURL: String

    var tokens: String { baseURL + "/v3/oauth2/tokens" }

    /// A page of the systems the user can see (`skip`/`limit`, docs/protocols/tapis.md §4.1).
    func systems(limit: Int, offset: Int) -> String {
        baseURL + "/v3/systems?listType=ALL&limit=\(limit)&skip=\(offset)"
    }

    /// Listing (GET), upload (POST), move/copy (PUT) and delete all use the ops URL (§5.1, §5.3, §5.5, §5.6).
    func ops(system: String, path: [String]) -> String {
        baseURL + "/v3/files/ops/" + PercentEncoding.pathSegment(system) + "/" + PercentEncoding.path(path)
    }

    func listing(system: String, path: [String], limit: Int, offset: Int) -> String {
        ops(system: system, path: path) + "?limit=\(limit)&offset=\(offset)"
    }

    /// mkdir (`POST` with `{"path"}`, §5.4).
    func mkdir(system: String) -> String {
        baseURL + "/v3/files/ops/" + PercentEncoding.pathSegment(system)
    }

    func content(system: String, path: [String]) -> String {
        baseURL + "/v3/files/content/" + PercentEncoding.pathSegment(system) + "/" + PercentEncoding.path(path)
    }

    var transfers: String { baseURL + "/v3/files/transfers" }

    func transfer(_ uuid: String) -> String { transfers + "/" + PercentEncoding.pathSegment(uuid) }

    // MARK: jobs (§7); outputs of a running job need `allowIfRunning=true` (§7.4)

    func jobs(limit: Int, offset: Int) -> String {
        baseURL + "/v3/jobs/list?limit=\(limit)&skip=\(offset)"
    }

    func job(_ uuid: String) -> String { baseURL + "/v3/jobs/" + PercentEncoding.pathSegment(uuid) }

    func jobHistory(_ uuid: String, limit: Int, offset: Int) -> String {
        job(uuid) + "/history?limit=\(limit)&skip=\(offset)"
    }

    func jobOutputListing(_ uuid: String, path: [String], limit: Int, offset: Int) -> String {
        job(uuid) + "/output/list/" + PercentEncoding.path(path) + "?limit=\(limit)&skip=\(offset)&allowIfRunning=true"
    }

    func jobOutputDownload(_ uuid: String, path: [String]) -> String {
        job(uuid) + "/output/download/" + PercentEncoding.path(path) + "?allowIfRunning=true"
    }

    /// `tapis://<system>/<path>`, the URI form of transfer elements (§6.1).
    static func uri(system: String, path: [String]) -> String {
        "tapis://" + system + "/" + path.map(PercentEncoding.pathSegment).joined(separator: "/")
    }
}
