import EmulatorSupport
import Foundation
import Hummingbird

/// `/v3/jobs/…` (docs/protocols/tapis.md §7): the job list, one job, its status, its history, and its outputs
/// (listing and download).
struct JobsEndpoint {
    let state: TapisState
    private var version: String { state.configuration.apiVersion }

    func respond(_ request: Request, rawSegments: ArraySlice<Substring>, query: [String: String],
                 user: String) throws -> Response {
        guard request.method == .get else { throw TapisError(405, "Method not allowed") }
        state.jobs.catchUp(now: Date())
        let segments = Array(rawSegments)
        if segments == ["list"] { return try list(query: query, user: user) }
        guard let first = segments.first else { throw TapisError.notFound("Unknown endpoint") }
        let uuid = FormEncoding.percentDecode(first, plusIsSpace: false) ?? String(first)
        guard let job = state.jobs.job(uuid), job.owner == user else {
            throw TapisError.notFound("JOBS_JOB_NOT_FOUND Job \(uuid) not found")
        }
        switch segments.count {
        case 1:
            return TapisReplies.success(Self.detail(job, tenant: state.configuration.tenantId),
                                        message: "JOBS_GET_OK The job was retrieved.", version: version)
        case 2 where segments[1] == "status":
            return TapisReplies.success(.object([("status", .string(job.status))]), message: "JOBS_STATUS_OK",
                                        version: version)
        case 2 where segments[1] == "history":
            let (limit, skip) = try TapisReplies.paging(query, defaultLimit: 100, offsetName: "skip")
            let page = TapisReplies.page(job.history, limit: limit, offset: skip)
            return TapisReplies.success(.array(page.map(Self.event)), message: "JOBS_HISTORY_OK",
                                        metadata: Self.metadata(count: page.count, limit: limit, skip: skip,
                                                                total: job.history.count),
                                        version: version)
        default:
            guard segments.count >= 3, segments[1] == "output" else { throw TapisError.notFound("Unknown endpoint") }
            guard job.isTerminal || query["allowIfRunning"]?.lowercased() == "true" else {
                throw TapisError.badRequest("JOBS_OUTPUT_NOT_READY Job \(uuid) is \(job.status); "
                    + "its outputs can be read before it ends only with allowIfRunning=true")
            }
            let segmentsOnDisk = try SystemPath.decodedSegments(segments.dropFirst(3))
            let output = SystemPath(systemId: job.archiveSystemId, segments: segmentsOnDisk,
                                    root: state.jobs.outputsDirectory(of: uuid))
            switch segments[2] {
            case "list": return try outputList(job, output, query: query)
            case "download": return try outputDownload(output)
            default: throw TapisError.notFound("Unknown endpoint")
            }
        }
    }

    private func list(query: [String: String], user: String) throws -> Response {
        let (limit, skip) = try TapisReplies.paging(query, defaultLimit: 100, offsetName: "skip")
        let all = state.jobs.jobs(owner: user)
        let page = TapisReplies.page(all, limit: limit, offset: skip)
        let tenant = state.configuration.tenantId
        return TapisReplies.success(.array(page.map { Self.summary($0, tenant: tenant) }),
                                    message: "JOBS_LIST_OK \(page.count) jobs",
                                    metadata: Self.metadata(count: page.count, limit: limit, skip: skip,
                                                            total: query["computeTotal"]?.lowercased() == "true" ? all.count : -1),
                                    version: version)
    }

    private func outputList(_ job: TapisJob, _ output: SystemPath, query: [String: String]) throws -> Response {
        let (limit, skip) = try TapisReplies.paging(query, defaultLimit: 100, offsetName: "skip")
        let entries = try FileInfoObjects.listing(of: output.fileSystemPath, relativePath: output.relative,
                                                  urlPrefix: "tapis://\(job.archiveSystemId)/\(Self.archiveDir(job))/",
                                                  recurse: false, pattern: nil)
        let page = TapisReplies.page(entries, limit: limit, offset: skip)
        return TapisReplies.success(.array(page), message: "JOBS_OUTPUT_LIST_OK",
                                    metadata: Self.metadata(count: page.count, limit: limit, skip: skip, total: entries.count),
                                    version: version)
    }

    /// A file's bytes, whole: the spec gives this endpoint no range (docs/protocols/tapis.md §7.4).
    private func outputDownload(_ output: SystemPath) throws -> Response {
        guard let stat = FileStat(path: output.fileSystemPath) else {
            throw TapisError.notFound("JOBS_OUTPUT_NOT_FOUND Output not found: \(output.relative)")
        }
        guard !stat.isDirectory else { throw TapisError(501, "Folder downloads (zip) are not emulated") }
        let headers: HTTPFields = [
            .contentType: "application/octet-stream",
            .contentDisposition: "attachment; filename=\(output.name)",
            .contentLength: String(stat.size),
        ]
        return Response(status: .ok, headers: headers,
                        body: FileRangeStream.body(file: output.fileSystemPath, from: 0, count: stat.size))
    }

    static func archiveDir(_ job: TapisJob) -> String { "jobs/\(job.uuid)" }

    static func metadata(count: Int, limit: Int, skip: Int, total: Int) -> JSONValue {
        .object([("recordCount", .int(Int64(count))), ("recordLimit", .int(Int64(limit))),
                 ("recordsSkipped", .int(Int64(skip))), ("orderBy", .null), ("startAfter", .null),
                 ("totalCount", .int(Int64(total)))])
    }

    private static func time(_ date: Date?) -> JSONValue { date.map { .string(TapisReplies.instant($0)) } ?? .null }

    static func summary(_ job: TapisJob, tenant: String) -> JSONValue {
        .object([
            ("uuid", .string(job.uuid)), ("name", .string(job.name)), ("owner", .string(job.owner)),
            ("appId", .string(job.appId)), ("created", time(job.created)), ("status", .string(job.status)),
            ("condition", job.condition.map(JSONValue.string) ?? .null), ("remoteStarted", time(job.remoteStarted)),
            ("ended", time(job.ended)), ("tenant", .string(tenant)), ("execSystemId", .string(job.execSystemId)),
            ("archiveSystemId", .string(job.archiveSystemId)), ("appVersion", .string(job.appVersion)),
            ("lastUpdated", time(job.lastUpdated)),
        ])
    }

    static func detail(_ job: TapisJob, tenant: String) -> JSONValue {
        .object([
            ("id", .int(Int64(job.uuid.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) % 1_000_000 }))), ("name", .string(job.name)),
            ("owner", .string(job.owner)), ("tenant", .string(tenant)), ("description", .string("\(job.appId) job")),
            ("status", .string(job.status)), ("condition", job.condition.map(JSONValue.string) ?? .null),
            ("lastMessage", .string("Job status changed to \(job.status)")),
            ("created", time(job.created)), ("ended", time(job.ended)), ("lastUpdated", time(job.lastUpdated)),
            ("uuid", .string(job.uuid)), ("appId", .string(job.appId)), ("appVersion", .string(job.appVersion)),
            ("archiveOnAppError", true), ("dynamicExecSystem", false), ("execSystemId", .string(job.execSystemId)),
            ("execSystemExecDir", .string("/scratch/\(job.owner)/tapis/\(job.uuid)")),
            ("execSystemInputDir", .string("/scratch/\(job.owner)/tapis/\(job.uuid)")),
            ("execSystemOutputDir", .string("/scratch/\(job.owner)/tapis/\(job.uuid)/output")),
            ("archiveSystemId", .string(job.archiveSystemId)), ("archiveSystemDir", .string("/" + archiveDir(job))),
            ("nodeCount", 1), ("coresPerNode", 1), ("memoryMB", 100), ("maxMinutes", 60),
            ("fileInputs", "[]"), ("parameterSet", "{}"), ("remoteStarted", time(job.remoteStarted)),
        ])
    }

    static func event(_ event: TapisJob.Event) -> JSONValue {
        .object([("event", "JOB_NEW_STATUS"), ("created", time(event.created)), ("eventDetail", .string(event.status)),
                 ("description", .string("The job has transitioned to a new status: \(event.status).")),
                 ("transferTaskUuid", .null)])
    }
}
