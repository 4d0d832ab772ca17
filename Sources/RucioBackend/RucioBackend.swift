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
/// Thread-safety: the caches, failure memory and token manager are locked, the HTTP clients are thread-safe,
/// so any number of VFS threads may call at once; each call blocks until its requests are done.
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
    /// Where replica lists are kept: the Core's metadata cache, handed over by the VFS (`attach`).
    let factsSlot = FactsSlot()

    // In-memory caches, each with the TTL that matches what it backs (see `CachePolicy`).
    let didRecords: ExpiringCache<DID, DIDRecord>
    let children: ExpiringCache<DID, ChildListing>
    let scopeNames: ExpiringCache<Int, Set<String>>
    let rseInfo: ExpiringCache<String, RSEInfo>

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
        let policy = configuration.cachePolicy
        didRecords = ExpiringCache(ttl: policy.attributeTTL)
        children = ExpiringCache(ttl: policy.listingTTL, capacity: 256)
        scopeNames = ExpiringCache(ttl: policy.listingTTL, capacity: 1)
        rseInfo = ExpiringCache(ttl: 600, capacity: 64)
    }

    /// A backend with its own HTTP clients built from `configuration` (TLS identity, timeouts, retries).
    public convenience init(configuration: RucioConfiguration, logger: Logger) {
        self.init(configuration: configuration,
                  http: HTTPClient(configuration: configuration.apiClientConfiguration, logger: logger),
                  storage: HTTPClient(configuration: configuration.storageClientConfiguration, logger: logger),
                  logger: logger)
    }

    /// One collection's children by file name, as its listing showed them.
    struct ChildListing {
        var entries: [String: Child]
    }

    struct Child {
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
                return RucioAttributes.make(try record(did), parentDatasetOpen: nil, fallbackDate: startTime)
            case .did(let did, .collection(let parent)):
                // Membership comes from the parent's listing (cached, or one streamed request), so a name that
                // is not in this collection is ENOENT even if the DID exists elsewhere.
                guard let fileName = path.components.last,
                      let child = try listing(of: parent).entries[fileName], child.did == did else {
                    throw FSError.notFound
                }
                guard child.type.isCollection else { return child.attributes }
                return RucioAttributes.make(try record(did), parentDatasetOpen: nil, fallbackDate: startTime)
            }
        }
    }

    /// A scope directory lists only the scope's top-level DIDs, yet any DID of the scope can be named there; every
    /// other directory (the scope list, a collection's children) shows all that `stat` accepts inside it.
    public func listingIsComplete(_ path: RemotePath) -> Bool {
        if case .scope? = try? RucioLocation(path) { return false }
        return true
    }

    public func attach(_ facts: NodeFacts) { factsSlot.facts = facts }

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
                return try listing(of: did, fresh: true).entries
                    .map { RemoteEntry(name: $0.key, attributes: $0.value.attributes) }
                    .sorted { $0.name < $1.name }
            }
        }
    }

    /// Scope names for the root directory, per `scopeListing` (cached for the listing TTL).
    func scopes() throws -> Set<String> {
        if let cached = scopeNames.value(0) { return cached }
        let names: [String]
        switch configuration.scopeListing {
        case .all:
            names = try api.decode([String].self, api.endpoints.scopes)
        case .account:
            _ = try api.tokens.currentToken() // learns the account when the configuration names none
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
        scopeNames.set(0, set)
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

    /// The DID's own record (`GET /dids/{scope}/{name}`), cached for the attribute TTL unless `fresh`.
    func record(_ did: DID, fresh: Bool = false) throws -> DIDRecord {
        if !fresh, let cached = didRecords.value(did) { return cached }
        let record = try api.decode(DIDRecord.self, api.endpoints.did(did))
        didRecords.set(did, record)
        return record
    }

    /// A collection's children (`GET /dids/{scope}/{name}/dids`, streamed), cached for the listing TTL.
    func listing(of did: DID, fresh: Bool = false) throws -> ChildListing {
        if !fresh, let cached = children.value(did) { return cached }
        let parent = try record(did)
        guard parent.type.isCollection else { throw FSError.notDirectory }
        let datasetOpen: Bool? = parent.type == .dataset ? (parent.open ?? true) : nil
        var entries: [String: Child] = [:]
        try api.stream(DIDRecord.self, api.endpoints.content(did)) { row in
            guard let fileName = fileName(for: row, parentScope: did.scope) else { return }
            entries[fileName] = Child(did: row.did, type: row.type,
                                      attributes: RucioAttributes.make(row, parentDatasetOpen: datasetOpen, fallbackDate: startTime))
        }
        let listing = ChildListing(entries: entries)
        children.set(did, listing)
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

    /// Forgets what is cached about `did` and its parent collection, after a change made through the mount.
    func invalidate(_ did: DID, parent: DID?) {
        didRecords.remove(did)
        children.remove(did)
        if let parent {
            children.remove(parent)
            didRecords.remove(parent)
        }
    }

    // MARK: Error mapping

    /// Runs one backend operation and turns whatever it throws into an `FSError` whose cause names the service, the
    /// operation and the object (logged once, at the FUSE boundary). Tokens never reach it: errors carry no headers.
    func mapErrors<R>(_ operation: String, _ path: RemotePath, _ body: () throws -> R) throws -> R {
        try ServiceOperation.run(map: { RucioErrorMapping.fsError($0, operation: operation, target: path.string) }, body)
    }
}
