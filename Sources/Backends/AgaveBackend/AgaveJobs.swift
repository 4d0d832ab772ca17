import BackendKit
import Foundation
import SciencefsCore
import SciencefsHTTP

/// Agave's jobs API for the shared `jobs/` tree (`JobTree`; docs/protocols/agave.md §4.9): the jobs search
/// (`GET /jobs/v2/?status=…`, `?appId=…`), one job, its history, and its outputs' listings and media.
struct AgaveJobs: JobTreeService {
    let api: AgaveAPI

    var allStatuses: [String] { AgaveJobStatus.all }

    func hasIDShape(_ text: String) -> Bool { AgaveJobNaming.looksLikeAgaveID(text) }

    func jobs(filter: JobFilter?, limit: Int, offset: Int) throws -> [AgaveJobSummary] {
        try api.result([AgaveJobSummary].self, .get, api.endpoints.jobs(filter: filter, limit: limit, offset: offset))
    }

    /// `GET /jobs/v2/{id}`; nil when no such job exists (404, or 400 for an id the server finds malformed).
    func job(id: String) throws -> (summary: AgaveJobSummary, body: Data, url: String)? {
        let url = api.endpoints.job(id)
        guard let response = try AbsentLookup.orNil({ try api.send(.get, url) }) else { return nil }
        return (try api.decodeResult(AgaveJobSummary.self, from: response.body, url: url), response.body, url)
    }

    func historyPage(of job: AgaveJobSummary, limit: Int, offset: Int) throws -> [Any] {
        let url = api.endpoints.jobHistory(job.id, limit: limit, offset: offset)
        return try ResultDocuments.resultArray(of: try api.send(.get, url).body, url: url)
    }

    /// Output rows: Agave's `permission` gives the read/execute bits (the tree clears the write bits).
    func outputs(of job: AgaveJobSummary, path: [String], limit: Int, offset: Int) throws -> [JobOutputRow] {
        let rows = try api.result([AgaveJobOutputRecord].self, .get,
                                  api.endpoints.jobOutputListing(job.id, path: path, limit: limit, offset: offset))
        return rows.map { row in
            JobOutputRow(name: row.name, isDirectory: row.isDirectory, size: row.length?.unsigned ?? 0,
                         mtime: row.lastModified.flatMap(ISOTimestamp.parse),
                         mode: AgavePermissions.mode(row.permission, kind: row.isDirectory ? .directory : .file),
                         isItself: row.isItself(requested: path))
        }
    }

    func downloadOutput(of job: AgaveJobSummary, path: [String], range: ByteRange,
                        sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        try api.download(api.endpoints.jobOutputMedia(job.id, path: path), range: range, sink: sink).bytesDelivered
    }

    func outputURL(of job: AgaveJobSummary, path: [String]) -> String {
        api.endpoints.jobOutputMedia(job.id, path: path)
    }

    func mtime(of job: AgaveJobSummary) -> Date { job.mtime }

    /// `user.agave.job.{id,status,app,system}`.
    func xattrs(of job: AgaveJobSummary) -> [String: String] {
        JobXattrs.make(prefix: "user.agave.job", id: job.id, status: job.status, app: job.appId, system: job.executionSystem)
    }
}

/// Per-path freshness and extended attributes for `jobs/` (the tree's rules, see `JobTree`).
extension AgaveBackend {
    public func cachePolicy(for path: RemotePath) -> CachePolicy { jobs.cachePolicy(for: path, base: cachePolicy) }

    /// Job paths carry the job's `user.agave.job.*` names; elsewhere the attributes' own xattrs.
    public func extendedAttributes(of path: RemotePath, attributes: RemoteAttributes) throws -> [String: String] {
        try mapErrors("xattrs", path) { try jobs.extendedAttributes(of: path, attributes: attributes) }
    }
}
