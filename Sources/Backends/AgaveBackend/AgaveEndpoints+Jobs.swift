import BackendKit
import SciencefsHTTP

/// Jobs URLs (docs/protocols/agave.md §4.9). Ids, search values and output path segments are percent-encoded here.
extension AgaveEndpoints {
    /// A page of the user's jobs, narrowed by `filter` (the search API: `?status=FINISHED`, `?appId=…`).
    func jobs(filter: JobFilter?, limit: Int, offset: Int) -> String {
        var url = baseURL + "/jobs/v2/?"
        if let filter {
            url += filter.field + "=" + PercentEncoding.formComponent(filter.value) + "&"
        }
        return url + "limit=\(limit)&offset=\(offset)"
    }

    func job(_ id: String) -> String {
        baseURL + "/jobs/v2/" + PercentEncoding.pathSegment(id)
    }

    func jobHistory(_ id: String, limit: Int, offset: Int) -> String {
        job(id) + "/history?limit=\(limit)&offset=\(offset)"
    }

    /// `path` is relative to the job's output directory; empty for its top level.
    func jobOutputListing(_ id: String, path: [String], limit: Int, offset: Int) -> String {
        job(id) + "/outputs/listings/" + PercentEncoding.path(path) + "?limit=\(limit)&offset=\(offset)"
    }

    func jobOutputMedia(_ id: String, path: [String]) -> String {
        job(id) + "/outputs/media/" + PercentEncoding.path(path)
    }
}

extension JobFilter {
    /// The jobs search API's field for this filter: `GET /jobs/v2/?<field>=<value>` (docs/protocols/agave.md §4.9).
    var field: String {
        switch self {
        case .status: return "status"
        case .app: return "appId"
        }
    }
}
