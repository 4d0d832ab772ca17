import EmulatorSupport
import Foundation
import Hummingbird

/// `/jobs/v2/…` (docs/protocols/agave.md §4.9): list and search, get, status, history, output listings and ranged
/// output downloads. Only the owner's jobs exist for a caller; anyone else's id answers 404.
struct JobsEndpoint {
    let state: EmulatorState

    /// Query keys that are not search terms.
    private static let reserved: Set<String> = ["limit", "offset", "naked", "pretty", "filter"]
    /// Searchable fields (lower-cased) and how to read them from a job.
    private static let searchFields: [String: @Sendable (EmulatedJob) -> String?] = [
        "id": { $0.id }, "name": { $0.name }, "owner": { $0.owner }, "appid": { $0.appId },
        "executionsystem": { $0.executionSystem }, "status": { $0.status }, "archivesystem": { $0.archiveSystem },
    ]

    func respond(_ request: Request, rawSegments: ArraySlice<Substring>, query: [String: String],
                 options: ReplyOptions, owner: String) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            throw AgaveError(501, "\(request.method.rawValue) is not supported on jobs by the emulator")
        }
        state.jobs.catchUp(now: Date())
        let segments = try rawSegments.map { raw -> String in
            guard let decoded = FormEncoding.percentDecode(raw, plusIsSpace: false) else {
                throw AgaveError.badRequest("Invalid path: bad percent-encoding")
            }
            return decoded
        }
        guard let id = segments.first else { return try list(query: query, options: options, owner: owner) }
        guard let job = state.jobs.job(id), job.owner == owner else {
            throw AgaveError(404, "No job found with job id \(id)")
        }
        let objects = self.objects
        let version = state.configuration.apiVersion
        switch segments.count > 1 ? segments[1] : nil {
        case nil:
            return Replies.success(objects.detail(job), options: options, version: version)
        case "status"? where segments.count == 2:
            return Replies.success(objects.status(job), options: options, version: version)
        case "history"? where segments.count == 2:
            let (limit, offset) = state.paging(query)
            let page = job.history.dropFirst(offset).prefix(limit).map { objects.event($0, owner: job.owner) }
            return Replies.success(.array(Array(page)), options: options, version: version)
        case "outputs"? where segments.count >= 3 && segments[2] == "listings":
            return try listOutputs(job, rawSegments: rawSegments.dropFirst(3), query: query, options: options)
        case "outputs"? where segments.count >= 3 && segments[2] == "media":
            let path = try outputPath(job, rawSegments: rawSegments.dropFirst(3))
            return try MediaDownload(state: state).respond(path, request: request, query: query, options: options)
        default:
            throw AgaveError(404, "Unknown endpoint \(request.uri.path)")
        }
    }

    private var objects: JobObjects { JobObjects(baseURL: state.baseURL, timeZone: state.configuration.timeZone) }

    /// `GET /jobs/v2/?limit&offset&<field>=<value>…`: every other query key is a search term, written either
    /// `field=value` or `field.eq=value`, field names case-insensitive.
    private func list(query: [String: String], options: ReplyOptions, owner: String) throws -> Response {
        var terms: [(read: (EmulatedJob) -> String?, value: String)] = []
        for (key, value) in query where !Self.reserved.contains(key.lowercased()) {
            var field = key.lowercased()
            if field.hasSuffix(".eq") { field.removeLast(3) }
            guard let read = Self.searchFields[field] else { throw AgaveError.badRequest("Unknown search term \(key)") }
            terms.append((read, value))
        }
        let matching = state.jobs.jobs(owner: owner).filter { job in
            terms.allSatisfy { $0.read(job)?.caseInsensitiveCompare($0.value) == .orderedSame }
        }
        let (limit, offset) = state.paging(query)
        let page = matching.dropFirst(offset).prefix(limit).map(objects.summary)
        return Replies.success(.array(Array(page)), options: options, version: state.configuration.apiVersion)
    }

    /// A directory: its children sorted by name, paged, without a `.` row. A file: a one-row array of itself.
    private func listOutputs(_ job: EmulatedJob, rawSegments: ArraySlice<Substring>, query: [String: String],
                             options: ReplyOptions) throws -> Response {
        let path = try outputPath(job, rawSegments: rawSegments)
        guard let stat = FileStat(path: path.fileSystemPath) else { throw AgaveError.notFound() }
        let version = state.configuration.apiVersion
        guard stat.isDirectory else {
            return Replies.success(.array([objects.outputRow(job, segments: path.segments, stat: stat)]),
                                   options: options, version: version)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: path.fileSystemPath).sorted()
        let (limit, offset) = state.paging(query)
        let rows: [JSONValue] = names.dropFirst(offset).prefix(limit).compactMap { name in
            let child = path.appending([name])
            return FileStat(path: child.fileSystemPath).map { objects.outputRow(job, segments: child.segments, stat: $0) }
        }
        return Replies.success(.array(rows), options: options, version: version)
    }

    /// The job's output folder as a `SystemPath` rooted there, so downloads reuse the files code (Range, 416).
    private func outputPath(_ job: EmulatedJob, rawSegments: ArraySlice<Substring>) throws -> SystemPath {
        SystemPath(systemId: job.executionSystem, segments: try SystemPath.decodedSegments(rawSegments),
                   root: state.jobs.outputsDirectory(of: job.id))
    }
}
