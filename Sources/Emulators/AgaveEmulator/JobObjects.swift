import EmulatorSupport
import Foundation

/// JSON shapes of jobs, job history and job-output rows, as Agave's jobs service serializes them
/// (docs/protocols/agave.md §4.9).
struct JobObjects {
    let baseURL: String
    let timeZone: TimeZone

    func jobHref(_ id: String) -> String { "\(baseURL)/jobs/v2/\(FormEncoding.encodePathSegment(id))" }

    private func time(_ date: Date?) -> JSONValue {
        date.map { .string(WireTime.iso8601($0, zone: timeZone)) } ?? .null
    }

    private func links(_ job: EmulatedJob) -> JSONValue {
        .object([
            ("self", .object([("href", .string(jobHref(job.id)))])),
            ("app", .object([("href", .string("\(baseURL)/apps/v2/\(FormEncoding.encodePathSegment(job.appId))"))])),
            ("executionSystem", .object([("href", .string("\(baseURL)/systems/v2/\(FormEncoding.encodePathSegment(job.executionSystem))"))])),
            ("archiveData", .object([("href", .string("\(jobHref(job.id))/outputs/listings"))])),
            ("history", .object([("href", .string("\(jobHref(job.id))/history"))])),
            ("owner", .object([("href", .string("\(baseURL)/profiles/v2/\(FormEncoding.encodePathSegment(job.owner))"))])),
        ])
    }

    /// A row of `GET /jobs/v2/`.
    func summary(_ job: EmulatedJob) -> JSONValue {
        .object([
            ("id", .string(job.id)),
            ("name", .string(job.name)),
            ("owner", .string(job.owner)),
            ("appId", .string(job.appId)),
            ("executionSystem", .string(job.executionSystem)),
            ("status", .string(job.status)),
            ("created", time(job.created)),
            ("startTime", time(job.startTime)),
            ("endTime", time(job.endTime)),
            ("_links", links(job)),
        ])
    }

    /// `GET /jobs/v2/{id}`.
    func detail(_ job: EmulatedJob) -> JSONValue {
        .object([
            ("id", .string(job.id)),
            ("name", .string(job.name)),
            ("owner", .string(job.owner)),
            ("appId", .string(job.appId)),
            ("executionSystem", .string(job.executionSystem)),
            ("batchQueue", "normal"),
            ("nodeCount", 1),
            ("processorsPerNode", 1),
            ("memoryPerNode", .double(1.0)),
            ("maxRunTime", "01:00:00"),
            ("archive", .bool(job.archiveSystem != nil)),
            ("archivePath", job.archiveSystem != nil ? .string(job.archivePath) : .null),
            ("archiveSystem", job.archiveSystem.map(JSONValue.string) ?? .null),
            ("outputPath", .string("\(job.owner)/job-\(job.id)")),
            ("status", .string(job.status)),
            ("message", .string(job.history.last?.description ?? "")),
            ("retries", 0),
            ("localId", .string(String(job.id.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) % 1_000_000 }))),
            ("submitTime", time(job.created)),
            ("startTime", time(job.startTime)),
            ("endTime", time(job.endTime)),
            ("created", time(job.created)),
            ("lastModified", time(job.lastModified)),
            ("inputs", .object([])),
            ("parameters", .object([])),
            ("_links", links(job)),
        ])
    }

    func status(_ job: EmulatedJob) -> JSONValue {
        .object([("id", .string(job.id)), ("status", .string(job.status)),
                 ("_links", .object([("self", .object([("href", .string(jobHref(job.id)))]))]))])
    }

    func event(_ event: EmulatedJob.Event, owner: String) -> JSONValue {
        .object([("status", .string(event.status)), ("created", time(event.created)),
                 ("createdBy", .string(owner)), ("description", .string(event.description))])
    }

    /// A row of an output listing: `permission` (singular), `format` "folder" or "unknown", no `system`.
    /// `path` is the item's path inside the job's output folder, with a leading `/`.
    func outputRow(_ job: EmulatedJob, segments: [String], stat: FileStat) -> JSONValue {
        let relative = segments.joined(separator: "/")
        return .object([
            ("name", .string(segments.last ?? "/")),
            ("path", .string("/" + relative)),
            ("lastModified", .string(WireTime.iso8601(stat.modified, zone: timeZone))),
            ("length", .int(Int64(stat.size))),
            ("permission", .string(stat.agavePermission)),
            ("mimeType", .string(stat.isDirectory ? MimeType.directory : MimeType.guess(forName: segments.last ?? ""))),
            ("format", .string(stat.isDirectory ? "folder" : "unknown")),
            ("type", .string(stat.isDirectory ? "dir" : "file")),
            ("_links", .object([
                ("self", .object([("href", .string("\(jobHref(job.id))/outputs/media/\(FormEncoding.encodePath(relative))"))])),
                ("job", .object([("href", .string(jobHref(job.id)))])),
            ])),
        ])
    }
}
