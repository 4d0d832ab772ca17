import BackendKit
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// A JDMA (JASMIN Data Migration App) server as a `Backend` (protocol: docs/protocols/jdma.md).
///
/// Layout: the root lists workspaces; `<workspace>/` lists its batches, named after their labels made legal
/// and unique (`BatchNaming`); `<workspace>/<batch>/` shows the batch's original tree (`BatchTree`). Every
/// listing and stat is answered from `migration/` and `file/` listings — sizes and digests come from there, tape
/// is never touched. Reads stage the whole batch with one GET request (`JDMABackend+Read`); files copied into a
/// new batch directory wait in the staging directory until the batch is submitted as one PUT
/// (`JDMABackend+Write`).
///
/// Requests (GET, PUT, DELETE) are jobs of the Core's tracker (`JDMARequests`, reached through `attach(_ jobs:)`):
/// journaled, polled by the one poll rule, shown in `.sciencefs/transfers/`, followed again after a restart. What it
/// learns and needs again (the batch list, each batch's file tree) it keeps in the Core's `NodeFacts`, under the
/// Core's TTL and invalidation.
///
/// Thread-safety: the retrieval coordinator, the job slot and the manifest are locked; the HTTP client is
/// thread-safe.
public final class JDMABackend: Backend {
    public let name: String
    public let cachePolicy: CachePolicy
    public var verificationPolicy: VerificationPolicy { configuration.verification }
    let configuration: JDMAConfiguration
    public var isWritable: Bool { configuration.isWritable }
    let client: JDMAClient
    let logger: Logger
    let startTime = Date()

    /// The Core's metadata cache, handed over by the VFS (`attach`).
    let facts: AttachedFacts
    let retrievals: RetrievalCoordinator
    let removals = RemovalMarks()
    /// The Core's door to the job tracker; nil until the VFS attaches it (then no request can be followed).
    let jobsSlot = JobsSlot()
    /// Where reads report the batch and storage they came from (`user.sciencefs.served_from`).
    let readOrigins = ReadOriginSlot()
    let puts: PutStaging
    /// Submits batches left alone for the quiet period (nil when no quiet period is configured).
    let quietTimer = QuietTimerSlot()

    public init(configuration: JDMAConfiguration, http: HTTPClient, logger: Logger) throws {
        self.name = configuration.name
        self.cachePolicy = configuration.cachePolicy
        self.configuration = configuration
        self.client = JDMAClient(configuration: configuration, http: http)
        self.logger = logger
        facts = AttachedFacts(source: configuration.name, policy: configuration.cachePolicy)
        let getRoot = configuration.stagingDirectory.appendingPathComponent("get", isDirectory: true)
        try FileManager.default.createDirectory(at: getRoot, withIntermediateDirectories: true)
        puts = try PutStaging(root: configuration.stagingDirectory.appendingPathComponent("put", isDirectory: true))
        retrievals = RetrievalCoordinator(getRoot: getRoot, failureMemory: configuration.failureMemory)
        startQuietTimer()
    }

    public convenience init(configuration: JDMAConfiguration, logger: Logger) throws {
        try self.init(configuration: configuration,
                      http: HTTPClient(configuration: configuration.clientConfiguration, logger: logger), logger: logger)
    }

    deinit { quietTimer.cancel() }

    /// Registers this source's requests with the Core's tracker and journals the PUTs the manifest says are in flight
    /// but the journal does not know (sent by an older version, or just before a crash), so they are followed too.
    public func attach(_ jobs: ServerJobs) {
        let service = JDMARequests(name: name, client: client, changed: { [weak self] job in self?.requestChanged(job) },
                                   ended: { [weak self] job in self?.requestEnded(job) })
        do { try jobs.register(service) } catch {
            logger.error("JDMA requests cannot be followed", metadata: ["source": "\(name)", "why": "\(error)"])
            return
        }
        jobsSlot.jobs = jobs
        for batch in puts.batches {
            guard let requestID = batch.requestID else { continue }
            jobs.track(JDMARequests.jobID(.put, requestID), files: [putJobFile(batch)],
                       submittedAt: batch.submitStartedAt ?? Date())
        }
    }

    /// Paths whose state moves on its own (a batch being put, a local batch) are re-read often.
    public func cachePolicy(for path: RemotePath) -> CachePolicy {
        guard case .batch(let workspace, let batchName, _) = JDMALocation(path) else { return cachePolicy }
        if pendingBatch(workspace: workspace, label: batchName) != nil {
            return CachePolicy(attributeTTL: 0, listingTTL: 0, negativeTTL: 0)
        }
        // Only what is known decides (no request from here): a batch known to be on its way moves fast.
        if let batches = facts.value([JDMABatchRecord].self, at: .root),
           let record = batches.first(where: { $0.workspace == workspace && BatchNaming.legalName(label: $0.label, batchID: $0.id) == batchName
               || "\(BatchNaming.legalName(label: $0.label, batchID: $0.id))~\($0.id)" == batchName }),
           record.stage != JDMAStages.Batch.onStorage.rawValue {
            return CachePolicy(attributeTTL: 2, listingTTL: 2, negativeTTL: 1)
        }
        return cachePolicy
    }

    public func attach(_ facts: NodeFacts) { self.facts.attach(facts) }
    public func attach(_ origins: ReadOrigins.Reporter) { readOrigins.value = origins }

    // MARK: Metadata

    public func stat(_ path: RemotePath) throws -> RemoteAttributes {
        try mapErrors("stat", path) {
            switch JDMALocation(path) {
            case .root:
                return .directory(mtime: startTime)
            case .workspace(let workspace):
                guard try workspaces().contains(workspace) else { throw FSError.notFound }
                return .directory(mtime: startTime)
            case .batch(let workspace, let batchName, let inside):
                if let pending = pendingBatch(workspace: workspace, label: batchName) {
                    return try pendingStat(pending, inside: inside)
                }
                let record = try resolveRemoteBatch(workspace: workspace, name: batchName)
                let tree = try self.tree(of: record, named: batchName)
                let relative = inside.joined(separator: "/")
                if !relative.isEmpty, removals.isMarked(batch: record.id, relative) { throw FSError.notFound }
                if let file = tree.files[relative] { return fileAttributes(file, batch: record) }
                guard tree.directories.contains(relative) else { throw FSError.notFound }
                return batchDirectoryAttributes(record)
            }
        }
    }

    public func list(_ path: RemotePath) throws -> [RemoteEntry] {
        try mapErrors("list", path) {
            switch JDMALocation(path) {
            case .root:
                return try workspaces().sorted().map { RemoteEntry(name: $0, attributes: .directory(mtime: startTime)) }
            case .workspace(let workspace):
                guard try workspaces().contains(workspace) else { throw FSError.notFound }
                var entries = try batchNames(workspace: workspace).map { name, record in
                    RemoteEntry(name: name, attributes: batchDirectoryAttributes(record))
                }
                for pending in pendingBatches(workspace: workspace) {
                    entries.append(RemoteEntry(name: pending.label, attributes: try pendingStat(pending, inside: [])))
                }
                return entries.sorted { $0.name < $1.name }
            case .batch(let workspace, let batchName, let inside):
                if let pending = pendingBatch(workspace: workspace, label: batchName) {
                    return try pendingList(pending, inside: inside)
                }
                let record = try resolveRemoteBatch(workspace: workspace, name: batchName)
                let tree = try self.tree(of: record, named: batchName)
                let relative = inside.joined(separator: "/")
                guard tree.directories.contains(relative) else {
                    throw tree.files[relative] != nil ? FSError.notDirectory : FSError.notFound
                }
                let children = tree.children(of: relative)
                var entries = children.directories.map { RemoteEntry(name: $0, attributes: batchDirectoryAttributes(record)) }
                entries += children.files.map { RemoteEntry(name: $0.key, attributes: fileAttributes($0.value, batch: record)) }
                let prefix = relative.isEmpty ? "" : relative + "/"
                entries.removeAll { removals.isMarked(batch: record.id, prefix + $0.name) }
                return entries.sorted { $0.name < $1.name }
            }
        }
    }

    // MARK: Server state, kept by the Core

    /// Every batch of the user (`GET migration/?name=U`), kept as a fact of the source's root.
    func allBatches() throws -> [JDMABatchRecord] {
        if let known = facts.value([JDMABatchRecord].self, at: .root) { return known }
        let batches: [JDMABatchRecord]
        do {
            batches = try client.batches()
        } catch HTTPError.status(code: 404, _) {
            batches = [] // the server answers 404 when the user has no batches at all
        }
        facts.set(batches, at: .root)
        return batches
    }

    /// Configured workspaces, those holding a batch, and those with a local batch.
    func workspaces() throws -> Set<String> {
        var names = Set(configuration.workspaces)
        names.formUnion(try allBatches().map(\.workspace))
        names.formUnion(puts.batches.filter { !$0.isSubmitted }.map(\.workspace))
        return names.filter { BatchNaming.isLegalNewLabel($0) }
    }

    /// Directory name → batch for one workspace (deleted batches are hidden).
    func batchNames(workspace: String) throws -> [String: JDMABatchRecord] {
        let batches = try allBatches().filter { $0.workspace == workspace && $0.stage != JDMAStages.Batch.deleted.rawValue }
        let reserved = Set(pendingBatches(workspace: workspace).map(\.label))
        let names = BatchNaming.assignNames(batches.map { ($0.id, $0.label) }, reserved: reserved)
        var byName: [String: JDMABatchRecord] = [:]
        for batch in batches { if let name = names[batch.id] { byName[name] = batch } }
        return byName
    }

    func resolveRemoteBatch(workspace: String, name: String) throws -> JDMABatchRecord {
        guard let record = try batchNames(workspace: workspace)[name] else { throw FSError.notFound }
        return record
    }

    /// The file tree (`GET file/`) of `batch`, shown as directory `name` of its workspace; kept as a fact of that
    /// directory, without a TTL once the batch is ON_STORAGE: its files cannot change then (docs/protocols/jdma.md
    /// §6.10), and which batch the name shows comes from the batch list, which has the TTL.
    func tree(of batch: JDMABatchRecord, named name: String) throws -> BatchTree {
        let directory = RemotePath([batch.workspace, name])
        if let known = facts.value(BatchFiles.self, at: directory), known.batchID == batch.id { return known.tree }
        let tree = BatchTree(try client.files(batchID: batch.id))
        facts.set(BatchFiles(batchID: batch.id, tree: tree), at: directory,
                  unchanging: batch.stage == JDMAStages.Batch.onStorage.rawValue)
        return tree
    }

    /// Forgets the batch list (a batch was submitted or moved on), so the next look asks the server.
    func forgetBatchList() { facts.remove([JDMABatchRecord].self, at: .root) }

    // MARK: Attributes

    func batchDirectoryAttributes(_ batch: JDMABatchRecord) -> RemoteAttributes {
        var attributes = RemoteAttributes.directory(mtime: JDMADate.parse(batch.registeredDate) ?? startTime)
        attributes.xattrs = batchXattrs(batch)
        return attributes
    }

    func fileAttributes(_ file: BatchTree.File, batch: JDMABatchRecord) -> RemoteAttributes {
        var xattrs = batchXattrs(batch)
        if let digest = file.digest, digest != "0" {
            xattrs["user.jdma.digest"] = file.digestFormat.map { "\(DigestCheck.normalized($0)):\(digest)" } ?? digest
        }
        return RemoteAttributes(kind: .file, size: file.size, mtime: JDMADate.parse(batch.registeredDate) ?? startTime,
                                permissions: 0o444, xattrs: xattrs)
    }

    func batchXattrs(_ batch: JDMABatchRecord) -> [String: String] {
        var xattrs = ["user.jdma.batch_id": String(batch.id), "user.jdma.stage": JDMAStages.Batch.name(of: batch.stage)]
        if let storage = batch.storage { xattrs["user.jdma.storage"] = storage }
        if let external = batch.externalID, !external.isEmpty { xattrs["user.jdma.external_id"] = external }
        return xattrs
    }

    // MARK: Error mapping

    /// Runs one backend operation and turns whatever it throws into an `FSError` whose cause names the service, the
    /// operation and the object (logged once, at the FUSE boundary). Tokens never reach it: errors carry no headers.
    func mapErrors<R>(_ operation: String, _ path: RemotePath, _ body: () throws -> R) throws -> R {
        try ServiceOperation.run(map: { JDMAErrorMapping.fsError($0, operation: operation, target: path.string) }, body)
    }
}

/// A batch's file tree as a fact of its directory, with the batch it was read for (a name may come to show another
/// batch).
struct BatchFiles: Sendable {
    var batchID: Int
    var tree: BatchTree
}
