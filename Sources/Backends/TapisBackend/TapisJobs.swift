import BackendKit
import Foundation
import SciencefsCore
import SciencefsHTTP

/// Tapis's jobs API for the shared `jobs/` tree (`JobTree`; docs/protocols/tapis.md §7): `GET /v3/jobs/list`,
/// `/v3/jobs/{uuid}`, `…/history`, `…/output/list/{path}` and `…/output/download/{path}`, paged with `limit`/`skip`.
/// The list has no search term, so `.status/` and `.app/` filter the full list (the tree drops rows that do not match).
struct TapisJobs: JobTreeService {
    let api: TapisAPI

    var allStatuses: [String] { TapisJobStatus.all }

    /// Tapis job uuids are a UUID and a numeric suffix (`…-007`), as Agave's.
    func hasIDShape(_ text: String) -> Bool {
        JobDirectoryNaming.hasUUIDGroups(text) { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }

    func jobs(filter: JobFilter?, limit: Int, offset: Int) throws -> [TapisJobSummary] {
        try api.result([TapisJobSummary].self, .get, api.endpoints.jobs(limit: limit, offset: offset))
    }

    func job(id: String) throws -> (summary: TapisJobSummary, body: Data, url: String)? {
        let url = api.endpoints.job(id)
        guard let response = try AbsentLookup.orNil({ try api.send(.get, url) }) else { return nil }
        return (try TapisAPI.decodeResult(TapisJobSummary.self, from: response.body, url: url), response.body, url)
    }

    func historyPage(of job: TapisJobSummary, limit: Int, offset: Int) throws -> [Any] {
        let url = api.endpoints.jobHistory(job.uuid, limit: limit, offset: offset)
        return try ResultDocuments.resultArray(of: try api.send(.get, url).body, url: url)
    }

    func outputs(of job: TapisJobSummary, path: [String], limit: Int, offset: Int) throws -> [JobOutputRow] {
        let rows = try api.result([TapisFileInfo].self, .get,
                                  api.endpoints.jobOutputListing(job.uuid, path: path, limit: limit, offset: offset))
        return rows.map { row in
            let kind: NodeKind = row.isDirectory ? .directory : .file
            return JobOutputRow(name: row.name, isDirectory: row.isDirectory, size: row.size?.unsigned ?? 0,
                                mtime: row.lastModified.flatMap(ISOTimestamp.parse),
                                mode: TapisPermissions.mode(row.nativePermissions, kind: kind),
                                isItself: row.isItself(requested: path))
        }
    }

    func downloadOutput(of job: TapisJobSummary, path: [String], range: ByteRange,
                        sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        try api.download(api.endpoints.jobOutputDownload(job.uuid, path: path), range: range, sink: sink).bytesDelivered
    }

    func outputURL(of job: TapisJobSummary, path: [String]) -> String {
        api.endpoints.jobOutputDownload(job.uuid, path: path)
    }

    func mtime(of job: TapisJobSummary) -> Date { job.mtime }

    /// `user.tapis.job.{id,status,app,system}`.
    func xattrs(of job: TapisJobSummary) -> [String: String] {
        JobXattrs.make(prefix: "user.tapis.job", id: job.uuid, status: job.status, app: job.appId, system: job.execSystemId)
    }
}
