import BackendKit
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// The Agave (Tapis v2) storage service as a `Backend` (protocol: docs/protocols/agave.md).
///
/// Layout under the source's directory: `systems/` lists the user's storage systems, and
/// `systems/<systemId>/<path>` is `<path>` under that system's root directory; `jobs/` holds the user's jobs
/// and their outputs, read-only (layout in `JobTreeLocation`).
///
/// Thread-safety: stateless apart from the token manager (locked) and the HTTP client (thread-safe), so
/// any number of VFS threads may call at once; each call blocks until its requests are done.
public final class AgaveBackend: Backend {
    public let name: String
    public let cachePolicy: CachePolicy
    public let isWritable: Bool
    let configuration: AgaveConfiguration
    let api: AgaveAPI
    let logger: Logger
    /// The synthetic directories (source root, `systems/`, `jobs/`) report the mount time as their mtime.
    let createdAt = Date()
    /// `jobs/`: job directory names, records, generated `job.json`/`history.json` bytes, outputs.
    let jobs: JobTree<AgaveJobs>
    /// The Core's door to the job tracker, which follows imports (`AgaveImports`); nil until the VFS attaches it.
    let jobsSlot = JobsSlot()
    /// Where reads report their download URL (`user.sciencefs.served_from`); nil until the VFS attaches it.
    let readOrigins = ReadOriginSlot()
    /// Numbers this process's import job ids.
    let importCounter = JobCounter()

    public init(configuration: AgaveConfiguration, http: HTTPClient, logger: Logger) {
        self.name = configuration.name
        self.cachePolicy = configuration.cachePolicy
        self.isWritable = configuration.isWritable
        self.configuration = configuration
        self.logger = logger
        let api = AgaveAPI(configuration: configuration, http: http, logger: logger)
        self.api = api
        self.jobs = JobTree(service: AgaveJobs(api: api), caching: configuration.jobCaching,
                            pageSize: configuration.pageSize, createdAt: createdAt)
    }

    /// A backend with its own HTTP client built from `configuration` (TLS, timeouts, retries).
    public convenience init(configuration: AgaveConfiguration, logger: Logger) {
        self.init(configuration: configuration,
                  http: HTTPClient(configuration: configuration.httpClientConfiguration, logger: logger), logger: logger)
    }

    // MARK: Metadata

    public func stat(_ path: RemotePath) throws -> RemoteAttributes {
        try mapErrors("stat", path) {
            switch try SystemsTreeLocation(path) {
            case .root, .systems:
                return .directory(mtime: createdAt)
            case .system(let id, let components):
                // A file's listing is that file; a directory's starts with its `.` row: limit=1 gets either.
                let url = api.endpoints.listing(system: id, path: components, limit: 1, offset: 0)
                let rows = try api.result([AgaveFileRecord].self, .get, url)
                guard let row = rows.first else { throw FSError.notFound }
                return row.attributes
            case .jobs(let components):
                return try jobs.stat(components)
            }
        }
    }

    /// `jobs/.app/` lists nothing, yet `jobs/.app/<appId>/` exists for every app with a job; every other
    /// directory lists all it holds.
    public func listingIsComplete(_ path: RemotePath) -> Bool { jobs.listingIsComplete(path) }

    public func list(_ path: RemotePath) throws -> [RemoteEntry] {
        try mapErrors("list", path) {
            switch try SystemsTreeLocation(path) {
            case .root:
                return jobs.rootEntries()
            case .systems:
                let systems = try LimitOffsetPaging.fetchAll(pageSize: configuration.pageSize) { limit, offset in
                    try api.result([AgaveSystemSummary].self, .get, api.endpoints.storageSystems(limit: limit, offset: offset))
                }
                return systems.map { RemoteEntry(name: $0.id, attributes: $0.attributes) }
            case .system(let id, let components):
                return try listDirectory(system: id, path: components)
            case .jobs(let components):
                return try jobs.list(components)
            }
        }
    }

    private func listDirectory(system: String, path: [String]) throws -> [RemoteEntry] {
        let api = api
        // One page asked for ahead while the last is decoded (PagePipeline): a long listing waits one round trip per page.
        let rows = try PagePipeline.fetchAll(pageSize: configuration.pageSize, checkFirstPage: { (first: [AgaveFileRecord]) in
            // A directory's listing starts with its `.` row; a file's "listing" is the file itself.
            if let row = first.first, !row.isSelfOrParent, !row.isDirectory, row.name == path.last {
                throw FSError.notDirectory
            }
        }, page: { limit, offset in
            try api.result([AgaveFileRecord].self, .get,
                           api.endpoints.listing(system: system, path: path, limit: limit, offset: offset))
        })
        // Only the `.` row is the directory itself; any other name (`..` included) goes on to the Core, which
        // leaves out what cannot be a file name and logs it.
        return rows.filter { $0.name != "." }.map { RemoteEntry(name: $0.name, attributes: $0.attributes) }
    }

    // MARK: Error mapping

    /// Runs one backend operation and turns whatever it throws into an `FSError` whose cause names the service, the
    /// operation and the object (logged once, at the FUSE boundary). Tokens never reach it: errors carry no headers.
    func mapErrors<R>(_ operation: String, _ path: RemotePath, _ body: () throws -> R) throws -> R {
        try ServiceOperation.run(map: { AgaveErrorMapping.fsError($0, operation: operation, target: path.string) }, body)
    }
}
