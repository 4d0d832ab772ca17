import Foundation
import SciencefsCore
import SciencefsHTTP

/// A service's jobs as the read-only `jobs/` tree (layout in `JobTreeLocation`): job directories named by
/// `JobDirectoryNaming`, `job.json`/`history.json` generated from the server's replies (`ResultDocuments`), the
/// outputs below `outputs/`, and freshness by `JobCaching` (a running job's files short-lived, an ended job's long).
/// The backend hands it the components after `jobs` and maps what it throws.
///
/// Thread-safety: the registry is locked; everything else is immutable, so any number of threads may call.
public final class JobTree<Service: JobTreeService>: Sendable {
    /// Read-only modes: the kernel (mounted with `default_permissions`) refuses writes before they reach us.
    public static var directoryMode: UInt16 { 0o555 }
    public static var fileMode: UInt16 { 0o444 }

    public let service: Service
    public let caching: JobCaching
    private let pageSize: Int
    /// The filter directories report this as their mtime (the mount time).
    let createdAt: Date
    public let registry = JobRegistry<Service.Summary>()

    public init(service: Service, caching: JobCaching, pageSize: Int, createdAt: Date) {
        self.service = service
        self.caching = caching
        self.pageSize = max(1, pageSize)
        self.createdAt = createdAt
    }

    public func parse(_ components: [String]) throws -> JobTreeLocation {
        try JobTreeLocation(components, isKnownStatus: service.allStatuses.contains)
    }

    // MARK: stat

    public func stat(_ components: [String]) throws -> RemoteAttributes {
        switch try parse(components) {
        case .jobList(nil), .statusFilters, .appFilters, .jobList(.status?):
            return syntheticDirectory
        case .jobList(let filter?):
            // `.app/<appId>` exists when a job of that app does.
            guard try !listJobs(filter: filter).isEmpty else { throw FSError.notFound }
            return syntheticDirectory
        case .job(let directory, let path):
            let job = try resolve(directory: directory)
            return try statItem(try JobItem(path), of: job)
        }
    }

    private var syntheticDirectory: RemoteAttributes {
        .directory(mtime: createdAt, permissions: Self.directoryMode)
    }

    private func statItem(_ item: JobItem, of job: Service.Summary) throws -> RemoteAttributes {
        switch item {
        case .directory, .outputs([]):
            return directoryAttributes(job)
        case .record:
            return fileAttributes(job, size: try document(.record, of: job, refresh: true).count)
        case .history:
            return fileAttributes(job, size: try document(.history, of: job, refresh: true).count)
        case .outputs(let path):
            return try statOutput(job, path: path)
        }
    }

    /// An output's attributes from a listing of that path with limit 1: a file's listing is the file itself; a
    /// directory's is its first child, or nothing when it is empty.
    private func statOutput(_ job: Service.Summary, path: [String]) throws -> RemoteAttributes {
        let rows = try service.outputs(of: job, path: path, limit: 1, offset: 0)
        if let row = rows.first, row.isItself { return outputAttributes(row, job: job) }
        var attributes = directoryAttributes(job)
        if let modified = rows.first?.mtime { attributes.mtime = modified }
        return attributes
    }

    // MARK: list

    public func list(_ components: [String]) throws -> [RemoteEntry] {
        switch try parse(components) {
        case .jobList(nil):
            let filters = [JobTreeLocation.statusDirectory, JobTreeLocation.appDirectory].map {
                RemoteEntry(name: $0, attributes: syntheticDirectory)
            }
            return filters + (try jobDirectories(filter: nil))
        case .jobList(let filter):
            return try jobDirectories(filter: filter)
        case .statusFilters:
            return service.allStatuses.map { RemoteEntry(name: $0, attributes: syntheticDirectory) }
        case .appFilters:
            return []
        case .job(let directory, let path):
            let job = try resolve(directory: directory)
            switch try JobItem(path) {
            case .directory:
                return [
                    RemoteEntry(name: JobTreeLocation.recordFile, attributes: try statItem(.record, of: job)),
                    RemoteEntry(name: JobTreeLocation.historyFile, attributes: try statItem(.history, of: job)),
                    RemoteEntry(name: JobTreeLocation.outputsDirectory, attributes: directoryAttributes(job)),
                ]
            case .record, .history:
                throw FSError.notDirectory
            case .outputs(let outputPath):
                return try listOutputs(job, path: outputPath)
            }
        }
    }

    /// Every page of the job list; rows that do not match the filter are dropped (a server may ignore the search
    /// term), and a job repeated across pages is shown once.
    private func listJobs(filter: JobFilter?) throws -> [Service.Summary] {
        try LimitOffsetPaging.fetchAll(pageSize: pageSize) { limit, offset in
            try service.jobs(filter: filter, limit: limit, offset: offset)
        }.filter { summary in
            switch filter {
            case nil: return true
            case .status(let status)?: return summary.status == status
            case .app(let app)?: return summary.appId == app
            }
        }
    }

    private func jobDirectories(filter: JobFilter?) throws -> [RemoteEntry] {
        let summaries = try listJobs(filter: filter)
        let names = registry.remember(summaries, at: Date())
        var seen = Set<String>()
        var entries: [RemoteEntry] = []
        for (name, summary) in zip(names, summaries) where seen.insert(name).inserted {
            entries.append(RemoteEntry(name: name, attributes: directoryAttributes(summary)))
        }
        return entries
    }

    private func listOutputs(_ job: Service.Summary, path: [String]) throws -> [RemoteEntry] {
        let rows = try LimitOffsetPaging.fetchAll(pageSize: pageSize, checkFirstPage: { (first: [JobOutputRow]) in
            // A file's "listing" is the file itself, at every offset: stop before paging forever.
            if let row = first.first, !row.isDirectory, row.isItself { throw FSError.notDirectory }
        }, page: { limit, offset in
            try service.outputs(of: job, path: path, limit: limit, offset: offset)
        })
        return rows.filter { $0.name != "." } // a `..` goes on to the Core, which skips it with a log line
            .map { RemoteEntry(name: $0.name, attributes: outputAttributes($0, job: job)) }
    }

    // MARK: read

    /// `served`: told the URL an output's bytes came from, once they have (`user.sciencefs.served_from`).
    public func read(_ components: [String], offset: UInt64, length: UInt64, served: (String) -> Void = { _ in },
                     sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        guard case .job(let directory, let itemPath) = try parse(components) else { throw FSError.isDirectory }
        let job = try resolve(directory: directory)
        switch try JobItem(itemPath) {
        case .directory, .outputs([]):
            throw FSError.isDirectory
        case .record:
            return try deliver(try document(.record, of: job, refresh: false), offset: offset, length: length, sink: sink)
        case .history:
            return try deliver(try document(.history, of: job, refresh: false), offset: offset, length: length, sink: sink)
        case .outputs(let outputPath):
            let delivered = try downloadOutput(job, path: outputPath, offset: offset, length: length, sink: sink)
            served(service.outputURL(of: job, path: outputPath))
            return delivered
        }
    }

    /// The id of the job whose outputs hold `components` (`jobs/<name>-<id>/outputs/…`), from the registry, which
    /// resolved the directory when the path was looked up: no request. nil elsewhere, or for a job not seen yet.
    public func producingJob(_ components: [String]) -> String? {
        guard case .job(let directory, let itemPath)? = try? parse(components),
              case .outputs(let output)? = try? JobItem(itemPath), !output.isEmpty else { return nil }
        return registry.known(directory: directory)?.summary.id
    }

    /// Ranged download of an output; after a 416 (range past the end) the size is looked up and the range clamped.
    private func downloadOutput(_ job: Service.Summary, path: [String], offset: UInt64, length: UInt64,
                                sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        do {
            return try RangedDownload.read(offset: offset, length: length, size: { try statOutput(job, path: path).size }) {
                try service.downloadOutput(of: job, path: path, range: $0, sink: sink)
            }
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

    // MARK: caching and xattrs

    /// Inside a job: `activeTTL` while it runs, `finishedTTL` once it has ended; `jobs/` and the filter
    /// directories at most `activeTTL`. Decided without a request: a job never seen yet counts as running.
    public func cachePolicy(for components: [String], base: CachePolicy) -> CachePolicy {
        guard let location = try? parse(components) else { return caching.listPolicy(base: base) }
        switch location {
        case .job(let directory, _):
            let terminal = registry.known(directory: directory)?.summary.isTerminal ?? false
            return caching.policy(terminal: terminal, base: base)
        case .jobList, .statusFilters, .appFilters:
            return caching.listPolicy(base: base)
        }
    }

    /// The job's extended attributes for a path inside a job directory (from a record no older than the caching
    /// allows, so a running job's status is current); nil elsewhere.
    public func extendedAttributes(_ components: [String]) throws -> [String: String]? {
        guard case .job(let directory, _)? = try? parse(components) else { return nil }
        return service.xattrs(of: try resolve(directory: directory))
    }

    // MARK: jobs by directory name

    /// The job a directory name stands for. Known names cost no request while their record is fresh; a stale
    /// record is fetched again (a job deleted meanwhile is then gone). An unknown name (a path typed before any
    /// listing) is resolved by asking for the ids it may contain (`JobDirectoryNaming.candidateIDs`).
    public func resolve(directory: String) throws -> Service.Summary {
        let now = Date()
        if let known = registry.known(directory: directory) {
            if now.timeIntervalSince(known.fetchedAt) < caching.ttl(terminal: known.summary.isTerminal) {
                return known.summary
            }
            guard let fresh = try fetch(id: known.summary.id, now: now) else {
                registry.forget(directory: directory)
                throw FSError.notFound
            }
            return fresh
        }
        for id in JobDirectoryNaming.candidateIDs(in: directory, hasIDShape: service.hasIDShape) {
            if let job = try fetch(id: id, now: now),
               JobDirectoryNaming.directoryName(name: job.name, id: job.id) == directory {
                return job
            }
        }
        throw FSError.notFound
    }

    /// One job's record: remembered, and kept pretty-printed as `job.json`'s bytes.
    private func fetch(id: String, now: Date) throws -> Service.Summary? {
        guard let (job, body, url) = try service.job(id: id) else { return nil }
        let record = try ResultDocuments.prettyResult(of: body, url: url)
        registry.remember([job], at: now)
        registry.store(.init(bytes: record, fetchedAt: now, terminal: job.isTerminal), .record, jobID: job.id)
        return job
    }

    /// The bytes of `job.json` or `history.json`. `refresh` (stat) regenerates the bytes of a job that has not
    /// ended once they are older than `activeTTL`; reads use whatever bytes the last stat saw, so the size the
    /// kernel was told and the bytes it reads agree.
    private func document(_ kind: JobRegistry<Service.Summary>.DocumentKind, of job: Service.Summary,
                          refresh: Bool) throws -> Data {
        let now = Date()
        if let document = registry.document(kind, jobID: job.id),
           !refresh || document.terminal || now.timeIntervalSince(document.fetchedAt) < caching.activeTTL {
            return document.bytes
        }
        switch kind {
        case .record:
            guard try fetch(id: job.id, now: now) != nil,
                  let document = registry.document(.record, jobID: job.id) else { throw FSError.notFound }
            return document.bytes
        case .history:
            let events = try LimitOffsetPaging.fetchAll(pageSize: pageSize) { limit, offset in
                try service.historyPage(of: job, limit: limit, offset: offset)
            }
            let bytes = try ResultDocuments.pretty(events)
            registry.store(.init(bytes: bytes, fetchedAt: now, terminal: job.isTerminal), .history, jobID: job.id)
            return bytes
        }
    }

    // MARK: attributes

    public func directoryAttributes(_ job: Service.Summary) -> RemoteAttributes {
        RemoteAttributes(kind: .directory, size: 0, mtime: service.mtime(of: job), permissions: Self.directoryMode,
                         xattrs: service.xattrs(of: job))
    }

    private func fileAttributes(_ job: Service.Summary, size: Int) -> RemoteAttributes {
        RemoteAttributes(kind: .file, size: UInt64(size), mtime: service.mtime(of: job), permissions: Self.fileMode,
                         xattrs: service.xattrs(of: job))
    }

    private func outputAttributes(_ row: JobOutputRow, job: Service.Summary) -> RemoteAttributes {
        let kind: NodeKind = row.isDirectory ? .directory : .file
        return RemoteAttributes(kind: kind, size: kind == .file ? row.size : 0, mtime: row.mtime ?? service.mtime(of: job),
                                permissions: row.mode & ~0o222, xattrs: service.xattrs(of: job))
    }
}
