import Foundation
import SciencefsCore
import SciencefsHTTP

/// `jobs/`: the user's jobs as read-only directories (layout in `AgaveJobLocation`, docs/protocols/agave.md §4.9).
extension AgaveBackend {
    /// Read-only modes: the kernel (mounted with `default_permissions`) refuses writes before they reach us.
    static let jobDirectoryMode: UInt16 = 0o555
    static let jobFileMode: UInt16 = 0o444

    // MARK: stat

    func statJobs(_ location: AgaveJobLocation) throws -> RemoteAttributes {
        switch location {
        case .jobList(nil), .statusFilters, .appFilters, .jobList(.status?):
            // `.status/<STATUS>` was validated against the known states while parsing the path.
            return .directory(mtime: createdAt, permissions: Self.jobDirectoryMode)
        case .jobList(let filter?):
            // `.app/<appId>` exists when the search finds at least one job: one request of one row.
            let rows = try api.result([AgaveJobSummary].self, .get, api.endpoints.jobs(filter: filter, limit: 1, offset: 0))
            guard !rows.isEmpty else { throw FSError.notFound }
            return .directory(mtime: createdAt, permissions: Self.jobDirectoryMode)
        case .job(let directory, let path):
            let job = try resolveJob(directory: directory)
            return try statJobItem(try AgaveJobItem(path), of: job)
        }
    }

    private func statJobItem(_ item: AgaveJobItem, of job: AgaveJobSummary) throws -> RemoteAttributes {
        switch item {
        case .directory, .outputs([]):
            return jobDirectoryAttributes(job)
        case .record:
            return jobFileAttributes(job, size: try jobDocument(.record, of: job, refresh: true).count)
        case .history:
            return jobFileAttributes(job, size: try jobDocument(.history, of: job, refresh: true).count)
        case .outputs(let path):
            return try statOutput(job, path: path)
        }
    }

    /// An output's attributes from a listing of that path with `limit=1`: a file's listing is the file itself;
    /// a directory's is its first child (there is no `.` row), or nothing when it is empty.
    private func statOutput(_ job: AgaveJobSummary, path: [String]) throws -> RemoteAttributes {
        let rows = try api.result([AgaveJobOutputRecord].self, .get,
                                  api.endpoints.jobOutputListing(job.id, path: path, limit: 1, offset: 0))
        if let row = rows.first, row.isItself(requested: path) {
            return outputAttributes(row, job: job)
        }
        var attributes = jobDirectoryAttributes(job)
        if let row = rows.first, let modified = row.lastModified.flatMap(AgaveTimestamp.parse) {
            attributes.mtime = modified
        }
        return attributes
    }

    // MARK: list

    func listJobs(_ location: AgaveJobLocation) throws -> [RemoteEntry] {
        switch location {
        case .jobList(nil):
            let filters = [AgaveJobLocation.statusDirectory, AgaveJobLocation.appDirectory].map {
                RemoteEntry(name: $0, attributes: .directory(mtime: createdAt, permissions: Self.jobDirectoryMode))
            }
            return filters + (try listJobDirectories(filter: nil))
        case .jobList(let filter):
            return try listJobDirectories(filter: filter)
        case .statusFilters:
            return AgaveJobStatus.all.map {
                RemoteEntry(name: $0, attributes: .directory(mtime: createdAt, permissions: Self.jobDirectoryMode))
            }
        case .appFilters:
            return []
        case .job(let directory, let path):
            let job = try resolveJob(directory: directory)
            switch try AgaveJobItem(path) {
            case .directory:
                return [
                    RemoteEntry(name: AgaveJobLocation.recordFile, attributes: try statJobItem(.record, of: job)),
                    RemoteEntry(name: AgaveJobLocation.historyFile, attributes: try statJobItem(.history, of: job)),
                    RemoteEntry(name: AgaveJobLocation.outputsDirectory, attributes: jobDirectoryAttributes(job)),
                ]
            case .record, .history:
                throw FSError.notDirectory
            case .outputs(let outputPath):
                return try listOutputs(job, path: outputPath)
            }
        }
    }

    /// All pages of `GET /jobs/v2/` (with the filter's search term). Rows that do not match the filter are
    /// dropped in case a server ignores the term; a job repeated across pages is shown once.
    private func listJobDirectories(filter: AgaveJobFilter?) throws -> [RemoteEntry] {
        let summaries = try AgavePaging.fetchAll(pageSize: configuration.pageSize) { limit, offset in
            try api.result([AgaveJobSummary].self, .get, api.endpoints.jobs(filter: filter, limit: limit, offset: offset))
        }.filter { summary in
            switch filter {
            case nil: return true
            case .status(let status)?: return summary.status == status
            case .app(let app)?: return summary.appId == app
            }
        }
        let names = jobRegistry.remember(summaries, at: Date())
        var seen = Set<String>()
        var entries: [RemoteEntry] = []
        for (name, summary) in zip(names, summaries) where seen.insert(name).inserted {
            entries.append(RemoteEntry(name: name, attributes: jobDirectoryAttributes(summary)))
        }
        return entries
    }

    private func listOutputs(_ job: AgaveJobSummary, path: [String]) throws -> [RemoteEntry] {
        let rows = try AgavePaging.fetchAll(pageSize: configuration.pageSize, checkFirstPage: { (first: [AgaveJobOutputRecord]) in
            // A file's "listing" is the file itself, at every offset: stop before paging forever.
            if let row = first.first, !row.isDirectory, row.isItself(requested: path) { throw FSError.notDirectory }
        }, page: { limit, offset in
            try api.result([AgaveJobOutputRecord].self, .get,
                           api.endpoints.jobOutputListing(job.id, path: path, limit: limit, offset: offset))
        })
        return rows.filter { $0.name != "." } // a `..` goes on to the Core, which skips it with a log line
            .map { RemoteEntry(name: $0.name, attributes: outputAttributes($0, job: job)) }
    }

    // MARK: read

    func readJobs(_ location: AgaveJobLocation, path: RemotePath, offset: UInt64, length: UInt64,
                  sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        guard case .job(let directory, let itemPath) = location else { throw FSError.isDirectory }
        let job = try resolveJob(directory: directory)
        switch try AgaveJobItem(itemPath) {
        case .directory, .outputs([]):
            throw FSError.isDirectory
        case .record:
            return try deliver(try jobDocument(.record, of: job, refresh: false), offset: offset, length: length, sink: sink)
        case .history:
            return try deliver(try jobDocument(.history, of: job, refresh: false), offset: offset, length: length, sink: sink)
        case .outputs(let outputPath):
            let delivered = try downloadOutput(job, path: outputPath, offset: offset, length: length, sink: sink)
            readOrigins.value?.report(path, url: api.endpoints.jobOutputMedia(job.id, path: outputPath))
            return delivered
        }
    }

    /// Ranged download of an output, clamping after a 416 exactly as files downloads do.
    private func downloadOutput(_ job: AgaveJobSummary, path: [String], offset: UInt64, length: UInt64,
                                sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        guard let range = ByteRange(offset: offset, length: length) else { return 0 }
        let url = api.endpoints.jobOutputMedia(job.id, path: path)
        do {
            return try api.download(url, range: range, sink: sink).bytesDelivered
        } catch HTTPError.status(code: 416, _) {
            let size = try statOutput(job, path: path).size
            guard offset < size, let clamped = ByteRange(offset: offset, length: min(length, size - offset)) else { return 0 }
            return try api.download(url, range: clamped, sink: sink).bytesDelivered
        } catch HTTPError.status(code: 501, _) {
            throw FSError.isDirectory
        }
    }

    private func deliver(_ bytes: Data, offset: UInt64, length: UInt64,
                         sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        guard offset < UInt64(bytes.count), length > 0 else { return 0 }
        let start = Int(offset)
        let end = Int(min(UInt64(bytes.count), offset + min(length, UInt64(bytes.count))))
        try bytes[start..<end].withUnsafeBytes { try sink($0) }
        return UInt64(end - start)
    }

    // MARK: xattrs

    /// `user.agave.job.{id,status,app,system}` on a job directory and everything inside it, from a record no
    /// older than the job caching allows (so a running job's status is current).
    func jobExtendedAttributes(directory: String) throws -> [String: String] {
        Self.jobXattrs(try resolveJob(directory: directory))
    }

    static func jobXattrs(_ job: AgaveJobSummary) -> [String: String] {
        var xattrs = ["user.agave.job.id": job.id, "user.agave.job.status": job.status]
        if let app = job.appId { xattrs["user.agave.job.app"] = app }
        if let system = job.executionSystem { xattrs["user.agave.job.system"] = system }
        return xattrs
    }

    // MARK: jobs by directory name

    /// The job a directory name stands for. Known names cost no request while their record is fresh; a stale
    /// record is fetched again (a job deleted meanwhile is then gone). An unknown name (a path typed before
    /// any listing) is resolved by asking for the ids it may contain, see `AgaveJobNaming.candidateIDs`.
    func resolveJob(directory: String) throws -> AgaveJobSummary {
        let now = Date()
        if let known = jobRegistry.known(directory: directory) {
            if now.timeIntervalSince(known.fetchedAt) < configuration.jobCaching.ttl(terminal: known.summary.isTerminal) {
                return known.summary
            }
            guard let fresh = try fetchJob(id: known.summary.id, now: now) else {
                jobRegistry.forget(directory: directory)
                throw FSError.notFound
            }
            return fresh
        }
        for id in AgaveJobNaming.candidateIDs(in: directory) {
            if let job = try fetchJob(id: id, now: now),
               AgaveJobNaming.directoryName(name: job.name, id: job.id) == directory {
                return job
            }
        }
        throw FSError.notFound
    }

    /// `GET /jobs/v2/{id}`: remembers the job and keeps the pretty-printed record as `job.json`'s bytes.
    /// Nil when no such job exists (404, or 400 for an id the server finds malformed).
    private func fetchJob(id: String, now: Date) throws -> AgaveJobSummary? {
        let url = api.endpoints.job(id)
        let response: HTTPResponse
        do {
            response = try api.send(.get, url)
        } catch HTTPError.status(code: 404, _), HTTPError.status(code: 400, _) {
            return nil
        }
        let job = try api.decodeResult(AgaveJobSummary.self, from: response.body, url: url)
        let record = try AgaveJobDocuments.prettyResult(of: response.body, url: url)
        jobRegistry.remember([job], at: now)
        jobRegistry.store(.init(bytes: record, fetchedAt: now, terminal: job.isTerminal), .record, jobID: job.id)
        return job
    }

    /// The bytes of `job.json` or `history.json`. `refresh` (stat) regenerates bytes of a job that has not
    /// ended once they are older than `activeTTL`; reads use whatever bytes the last stat saw, so the size the
    /// kernel was told and the bytes it reads agree.
    private func jobDocument(_ kind: AgaveJobRegistry.DocumentKind, of job: AgaveJobSummary, refresh: Bool) throws -> Data {
        let now = Date()
        if let document = jobRegistry.document(kind, jobID: job.id),
           !refresh || document.terminal || now.timeIntervalSince(document.fetchedAt) < configuration.jobCaching.activeTTL {
            return document.bytes
        }
        switch kind {
        case .record:
            guard try fetchJob(id: job.id, now: now) != nil,
                  let document = jobRegistry.document(.record, jobID: job.id) else { throw FSError.notFound }
            return document.bytes
        case .history:
            let events = try AgavePaging.fetchAll(pageSize: configuration.pageSize) { limit, offset -> [Any] in
                let url = api.endpoints.jobHistory(job.id, limit: limit, offset: offset)
                return try AgaveJobDocuments.resultArray(of: try api.send(.get, url).body, url: url)
            }
            let bytes = try AgaveJobDocuments.pretty(events)
            jobRegistry.store(.init(bytes: bytes, fetchedAt: now, terminal: job.isTerminal), .history, jobID: job.id)
            return bytes
        }
    }

    // MARK: attributes

    func jobDirectoryAttributes(_ job: AgaveJobSummary) -> RemoteAttributes {
        RemoteAttributes(kind: .directory, size: 0, mtime: job.mtime, permissions: Self.jobDirectoryMode,
                         xattrs: Self.jobXattrs(job))
    }

    private func jobFileAttributes(_ job: AgaveJobSummary, size: Int) -> RemoteAttributes {
        RemoteAttributes(kind: .file, size: UInt64(size), mtime: job.mtime, permissions: Self.jobFileMode,
                         xattrs: Self.jobXattrs(job))
    }

    /// An output row: Agave's `permission` gives the read/execute bits; write bits are always off.
    private func outputAttributes(_ row: AgaveJobOutputRecord, job: AgaveJobSummary) -> RemoteAttributes {
        let kind: NodeKind = row.isDirectory ? .directory : .file
        return RemoteAttributes(kind: kind, size: kind == .file ? (row.length?.unsigned ?? 0) : 0,
                                mtime: row.lastModified.flatMap(AgaveTimestamp.parse) ?? job.mtime,
                                permissions: AgavePermissions.mode(row.permission, kind: kind) & ~0o222,
                                xattrs: Self.jobXattrs(job))
    }
}
