import BackendKit
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// Tapis v3 (the successor of Agave) as a `Backend` (protocol: docs/protocols/tapis.md; for users:
/// docs/sources/tapis.md).
///
/// Layout under the source's directory, as the Agave source's (`SystemsTreeLocation`): `systems/` lists the systems
/// the user can see, `systems/<systemId>/<path>` is `<path>` under that system's root directory, and `jobs/` holds
/// the user's jobs and their outputs, read-only (`JobTree`).
///
/// Thread-safety: stateless apart from the token (locked), the job registry (locked) and the HTTP client
/// (thread-safe), so any number of VFS threads may call at once; each call blocks until its requests are done.
public final class TapisBackend: Backend {
    public let name: String
    public let cachePolicy: CachePolicy
    public let isWritable: Bool
    let configuration: TapisConfiguration
    let api: TapisAPI
    let logger: Logger
    /// The synthetic directories (source root, `systems/`, `jobs/`) report the mount time as their mtime.
    let createdAt = Date()
    let jobs: JobTree<TapisJobs>
    /// The Core's door to the job tracker, which follows transfer tasks; nil until the VFS attaches it.
    let jobsSlot = JobsSlot()
    /// Where reads report their download URL (`user.sciencefs.served_from`); nil until the VFS attaches it.
    let readOrigins = ReadOriginSlot()

    public init(configuration: TapisConfiguration, http: HTTPClient, logger: Logger) {
        self.name = configuration.name
        self.cachePolicy = configuration.cachePolicy
        self.isWritable = configuration.isWritable
        self.configuration = configuration
        self.logger = logger
        let api = TapisAPI(configuration: configuration, http: http, logger: logger)
        self.api = api
        self.jobs = JobTree(service: TapisJobs(api: api), caching: configuration.jobCaching,
                            pageSize: configuration.pageSize, createdAt: createdAt)
    }

    /// A backend with its own HTTP client built from `configuration` (TLS, timeouts, retries).
    public convenience init(configuration: TapisConfiguration, logger: Logger) {
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
                return try statOnSystem(id, components)
            case .jobs(let components):
                return try jobs.stat(components)
            }
        }
    }

    /// A listing with limit 1 (docs/protocols/tapis.md §5.1): a file's listing is the file itself; a directory's
    /// is its first child, or nothing when it is empty (a missing path is a 404).
    private func statOnSystem(_ id: String, _ components: [String]) throws -> RemoteAttributes {
        let rows = try api.result([TapisFileInfo].self, .get,
                                  api.endpoints.listing(system: id, path: components, limit: 1, offset: 0))
        if let row = rows.first, row.isItself(requested: components) { return row.attributes }
        var attributes = RemoteAttributes.directory(mtime: createdAt, permissions: 0o755)
        if components.isEmpty { return attributes }
        if let modified = rows.first?.lastModified.flatMap(ISOTimestamp.parse) { attributes.mtime = modified }
        return attributes
    }

    /// `jobs/.app/` lists nothing, yet `jobs/.app/<appId>/` exists for every app with a job.
    public func listingIsComplete(_ path: RemotePath) -> Bool { jobs.listingIsComplete(path) }

    public func list(_ path: RemotePath) throws -> [RemoteEntry] {
        try mapErrors("list", path) {
            switch try SystemsTreeLocation(path) {
            case .root:
                return jobs.rootEntries()
            case .systems:
                let systems = try LimitOffsetPaging.fetchAll(pageSize: configuration.pageSize) { limit, offset in
                    try api.result([TapisSystem].self, .get, api.endpoints.systems(limit: limit, offset: offset))
                }
                return systems.map {
                    RemoteEntry(name: $0.id, attributes: .directory(
                        mtime: ($0.updated ?? $0.created).flatMap(ISOTimestamp.parse) ?? createdAt))
                }
            case .system(let id, let components):
                return try listDirectory(system: id, path: components)
            case .jobs(let components):
                return try jobs.list(components)
            }
        }
    }

    private func listDirectory(system: String, path: [String]) throws -> [RemoteEntry] {
        let api = api
        // One page asked for ahead while the last is decoded (PagePipeline), as for Agave: a long listing waits one
        // round trip per page.
        let rows = try PagePipeline.fetchAll(pageSize: configuration.pageSize, checkFirstPage: { (first: [TapisFileInfo]) in
            // A file's "listing" is the file itself, at every offset: stop before paging forever.
            if let row = first.first, !row.isDirectory, row.isItself(requested: path) { throw FSError.notDirectory }
        }, page: { limit, offset in
            try api.result([TapisFileInfo].self, .get,
                           api.endpoints.listing(system: system, path: path, limit: limit, offset: offset))
        })
        // Names that cannot be file names (`.`, `..`, with `/`) go on to the Core, which leaves them out and logs them.
        return rows.map { RemoteEntry(name: $0.name, attributes: $0.attributes) }
    }

    // MARK: Jobs tree

    public func cachePolicy(for path: RemotePath) -> CachePolicy { jobs.cachePolicy(for: path, base: cachePolicy) }

    /// Job paths carry the job's `user.tapis.job.*` names; elsewhere the attributes' own xattrs.
    public func extendedAttributes(of path: RemotePath, attributes: RemoteAttributes) throws -> [String: String] {
        try mapErrors("xattrs", path) { try jobs.extendedAttributes(of: path, attributes: attributes) }
    }

    // MARK: FTS3

    /// A file on a system whose storage is reachable by FTS3 (`transfer_urls`), see `SystemTransferURL`.
    public func transferURL(of path: RemotePath) throws -> String? {
        SystemTransferURL.of(path, in: configuration.transferURLs)
    }

    // MARK: Error mapping

    /// Runs one operation and turns whatever it throws into an `FSError` naming the service, the operation and the
    /// object (logged once, at the FUSE boundary). Tokens never reach it: errors carry no headers.
    func mapErrors<R>(_ operation: String, _ path: RemotePath, _ body: () throws -> R) throws -> R {
        try ServiceOperation.run(map: { TapisErrorMapping.fsError($0, operation: operation, target: path.string) }, body)
    }
}
