import BackendKit
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// A Rucio instance as a `Backend` (protocol: docs/protocols/rucio.md).
///
/// Layout under the source's directory: the root lists scopes; `<scope>/` lists the scope's top-level DIDs
/// (one `GET /dids/{scope}/` — the server returns exactly the DIDs that are not a child of anything in that
/// scope, files never fetched); a container lists its children and a dataset its files
/// (`GET /dids/{scope}/{name}/dids`). See `DIDNameCoding` for names and `RucioAttributes` for modes.
///
/// What it learns and needs again (DID records, a collection's children, the scope names, replica lists) it keeps
/// in the Core's `NodeFacts`, by path, under the Core's TTL and invalidation; it keeps protocol state only (tokens,
/// RSE failure memory, whether the server has the metadata plugin).
///
/// Thread-safety: the failure memory and token manager are locked, the HTTP clients are thread-safe, so any number
/// of VFS threads may call at once; each call blocks until its requests are done.
public final class RucioBackend: Backend {
    public let name: String
    public let cachePolicy: CachePolicy
    public let isWritable: Bool
    public var verificationPolicy: VerificationPolicy { configuration.verification }
    let configuration: RucioConfiguration
    let api: RucioAPI
    /// Reads and writes storage PFNs (not the Rucio API): no Rucio token, few retries.
    let storage: HTTPClient
    /// Reads replicas, giving up on a silent storage server after `replica_stall_timeout` (see
    /// `RucioConfiguration.replicaReadClientConfiguration`).
    let replicaReads: HTTPClient
    let logger: Logger
    let selector: ReplicaSelector
    let failures: RSEFailureMemory
    /// Synthetic directories and DIDs without dates report the mount time.
    let startTime = Date()
    /// Set once the server refused `/meta?plugin=ALL` (a deployment without the JSON metadata plugin answers 500);
    /// metadata is then read with the default `DID_COLUMN` plugin only.
    let metaPluginAllUnavailable = LockedFlag()
    /// The Core's metadata cache, handed over by the VFS (`attach`).
    let facts: AttachedFacts
    /// Where reads report the replica they used (`user.sciencefs.served_from`); nil until the VFS attaches it.
    let readOrigins = ReadOriginSlot()
    /// The Core's job tracker, for replication rules (`attach(_ jobs:)`, RucioBackend+Stage).
    let jobsSlot = JobsSlot()
    /// Where finished rules put files: reads try that RSE first.
    let placements = RulePlacements()

    public init(configuration: RucioConfiguration, http: HTTPClient, storage: HTTPClient, logger: Logger) {
        self.name = configuration.name
        self.cachePolicy = configuration.cachePolicy
        self.isWritable = configuration.isWritable
        self.configuration = configuration
        self.storage = storage
        self.replicaReads = HTTPClient(configuration: configuration.replicaReadClientConfiguration, logger: logger)
        self.logger = logger
        self.api = RucioAPI(configuration: configuration, http: http, logger: logger)
        self.selector = ReplicaSelector(preferredRSEs: configuration.preferredRSEs)
        self.failures = RSEFailureMemory(penalty: configuration.failedRSEPenalty)
        self.facts = AttachedFacts(source: configuration.name, policy: configuration.cachePolicy)
    }

    /// A backend with its own HTTP clients built from `configuration` (TLS identity, timeouts, retries).
    public convenience init(configuration: RucioConfiguration, logger: Logger) {
        self.init(configuration: configuration,
                  http: HTTPClient(configuration: configuration.apiClientConfiguration, logger: logger),
                  storage: HTTPClient(configuration: configuration.storageClientConfiguration, logger: logger),
                  logger: logger)
    }

    /// One collection's children by file name, as its listing showed them.
    struct ChildListing: Sendable {
        var entries: [String: Child]
    }

    struct Child: Sendable {
        var did: DID
        var type: DIDType
        var attributes: RemoteAttributes
    }

    // MARK: Metadata

    public func stat(_ path: RemotePath) throws -> RemoteAttributes {
        try mapErrors("stat", path) {
            switch try RucioLocation(path) {
            case .root:
                return .directory(mtime: startTime, permissions: isWritable ? 0o755 : 0o555)
            case .scope(let scope):
                guard try scopes().contains(scope) else { throw FSError.notFound }
                return .directory(mtime: startTime)
            case .did(let did, .scope):
                return RucioAttributes.make(try record(did, at: path), parentDatasetOpen: nil, fallbackDate: startTime)
            case .did(let did, .collection(let parent)):
                // Membership comes from the parent's listing (kept, or one streamed request), so a name that
                // is not in this collection is ENOENT even if the DID exists elsewhere.
                guard let child = try listing(of: parent, at: path.parent).entries[path.name], child.did == did else {
                    throw FSError.notFound
                }
                guard child.type.isCollection else { return child.attributes }
                return RucioAttributes.make(try record(did, at: path), parentDatasetOpen: nil, fallbackDate: startTime)
            }
        }
    }

    /// A scope directory lists only the scope's top-level DIDs, yet any DID of the scope can be named there; every
    /// other directory (the scope list, a collection's children) shows all that `stat` accepts inside it.
    public func listingIsComplete(_ path: RemotePath) -> Bool {
        if case .scope? = try? RucioLocation(path) { return false }
        return true
    }

    public func attach(_ facts: NodeFacts) { self.facts.attach(facts) }
    public func attach(_ origins: ReadOrigins.Reporter) { readOrigins.value = origins }

    public func list(_ path: RemotePath) throws -> [RemoteEntry] {
        try mapErrors("list", path) {
            switch try RucioLocation(path) {
            case .root:
                return try scopes().sorted().compactMap { scope in
                    DIDNameCoding.encode(scope).map { RemoteEntry(name: $0, attributes: .directory(mtime: startTime)) }
                }
            case .scope(let scope):
                return try listScope(scope)
            case .did(let did, _):
                return try listing(of: did, at: path, fresh: true).entries
                    .map { RemoteEntry(name: $0.key, attributes: $0.value.attributes) }
                    .sorted { $0.name < $1.name }
            }
        }
    }

    /// Scope names for the root directory, per `scopeListing` (kept as a fact of the root).
    func scopes() throws -> Set<String> {
        if let known = facts.value(Set<String>.self, at: .root) { return known }
        let names: [String]
        switch configuration.scopeListing {
        case .all:
            names = try api.decode([String].self, api.endpoints.scopes)
        case .account:
            _ = try api.currentToken() // learns the account when the configuration names none
            guard let account = api.tokens.account else {
                throw FSError.invalidArgument("scope listing by account needs an account")
            }
            do {
                names = try api.decode([String].self, api.endpoints.accountScopes(account))
            } catch HTTPError.status(code: 404, _) {
                names = [] // ScopeNotFound: the account owns none
            }
        }
        let set = Set(names)
        facts.set(set, at: .root)
        return set
    }

    /// `GET /dids/{scope}/`: the scope's DIDs that have no parent in the scope (containers, datasets, and files
    /// attached to nothing), in one streamed request.
    private func listScope(_ scope: String) throws -> [RemoteEntry] {
        var entries: [RemoteEntry] = []
        try api.stream(DIDRecord.self, api.endpoints.scopeTopLevel(scope)) { record in
            guard let fileName = fileName(for: record, parentScope: scope) else { return }
            entries.append(RemoteEntry(name: fileName,
                                       attributes: RucioAttributes.make(record, parentDatasetOpen: nil, fallbackDate: startTime)))
        }
        return entries
    }

    /// The record (`GET /dids/{scope}/{name}`) of the DID at `path`, kept as a fact of the path unless `fresh`.
    func record(_ did: DID, at path: RemotePath, fresh: Bool = false) throws -> DIDRecord {
        if !fresh, let known = facts.value(DIDRecord.self, at: path) { return known }
        let record = try api.decode(DIDRecord.self, api.endpoints.did(did))
        facts.set(record, at: path)
        return record
    }

    /// The children (`GET /dids/{scope}/{name}/dids`, streamed) of the collection at `path`, kept as a fact of
    /// the path unless `fresh`.
    func listing(of did: DID, at path: RemotePath, fresh: Bool = false) throws -> ChildListing {
        if !fresh, let known = facts.value(ChildListing.self, at: path) { return known }
        let parent = try record(did, at: path)
        guard parent.type.isCollection else { throw FSError.notDirectory }
        let datasetOpen: Bool? = parent.type == .dataset ? (parent.open ?? true) : nil
        var entries: [String: Child] = [:]
        try api.stream(DIDRecord.self, api.endpoints.content(did)) { row in
            guard let fileName = fileName(for: row, parentScope: did.scope) else { return }
            entries[fileName] = Child(did: row.did, type: row.type,
                                      attributes: RucioAttributes.make(row, parentDatasetOpen: datasetOpen, fallbackDate: startTime))
        }
        let listing = ChildListing(entries: entries)
        facts.set(listing, at: path)
        return listing
    }

    /// The file name of a listed DID, or nil (with a log line) for a name no file name can carry.
    private func fileName(for record: DIDRecord, parentScope: String) -> String? {
        guard let fileName = DIDNameCoding.fileName(scope: record.scope, name: record.name, parentScope: parentScope),
              fileName.utf8.count <= 255 else {
            logger.warning("skipping a DID whose name cannot be shown as a file name",
                           metadata: ["source": "\(name)", "did": "\(record.scope):\(record.name.debugDescription)"])
            return nil
        }
        return fileName
    }

    /// Forgets what is kept about the collection at `path` after a change made in it through the mount.
    func forgetCollection(at path: RemotePath) {
        facts.remove(ChildListing.self, at: path)
        facts.remove(DIDRecord.self, at: path)
    }

    // MARK: Error mapping

    /// Runs one backend operation and turns whatever it throws into an `FSError` whose cause names the service, the
    /// operation and the object (logged once, at the FUSE boundary). Tokens never reach it: errors carry no headers.
    func mapErrors<R>(_ operation: String, _ path: RemotePath, _ body: () throws -> R) throws -> R {
        try ServiceOperation.run(map: { RucioErrorMapping.fsError($0, operation: operation, target: path.string) }, body)
    }
}
