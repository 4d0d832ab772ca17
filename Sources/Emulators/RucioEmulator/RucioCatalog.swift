import EmulatorSupport
import Foundation

/// The emulated Rucio database: scopes, DIDs, their attachments, metadata and replicas, kept in memory.
/// Thread-safe: every method takes the one lock, so each API call sees and makes a consistent change.
/// Methods throw `RucioError`s carrying the status and exception class the real server would send.
final class RucioCatalog: @unchecked Sendable {
    private let lock = NSLock()
    private var scopeOwners: [String: String] = [:]
    private var dids: [DIDKey: DIDRecord] = [:]
    /// parent → children, in attach order.
    private var children: [DIDKey: [DIDKey]] = [:]
    /// child → parents, in attach order.
    private var parents: [DIDKey: [DIDKey]] = [:]
    /// file → RSE → replica.
    private var replicas: [DIDKey: [String: ReplicaRecord]] = [:]

    // MARK: Scopes

    func addScope(_ scope: String, account: String) throws {
        try lock.withLock {
            guard scope.range(of: "^[a-zA-Z_\\-.0-9]+$", options: .regularExpression) != nil else {
                throw RucioError(400, "InvalidObject", "Problem validating scope : '\(scope)' does not match '^[a-zA-Z_\\\\-.0-9]+$'")
            }
            guard scopeOwners[scope] == nil else { throw RucioError(409, "Duplicate", "Scope '\(scope)' already exists!") }
            scopeOwners[scope] = account
        }
    }

    var allScopes: [String] { lock.withLock { scopeOwners.keys.sorted() } }

    func scopes(ownedBy account: String) -> [String] {
        lock.withLock { scopeOwners.filter { $0.value == account }.map(\.key).sorted() }
    }

    func hasScope(_ scope: String) -> Bool { lock.withLock { scopeOwners[scope] != nil } }

    func owner(ofScope scope: String) -> String? { lock.withLock { scopeOwners[scope] } }

    // MARK: Creating DIDs and replicas

    /// Registers a dataset or container (`POST /dids/{scope}/{name}`).
    func addCollection(_ key: DIDKey, type: RucioDIDType, account: String, meta: [String: JSONValue] = [:],
                       open: Bool = true) throws {
        guard type.isCollection else {
            throw RucioError(409, "UnsupportedOperation", "Only collection (dataset/container) can be registered.")
        }
        try lock.withLock {
            try checkNewDID(key)
            let now = Date()
            // Like a real server without the abacus daemon (and the integration setup), collections report
            // bytes/length null; clients ask with `dynamic_depth` for sizes.
            dids[key] = DIDRecord(key: key, type: type, account: account, bytes: nil, length: nil, md5: nil, adler32: nil, isOpen: open, createdAt: now, updatedAt: now,
                                  closedAt: open ? nil : now, meta: meta)
        }
    }

    /// Registers a file DID if it does not exist yet (`POST /replicas` does this implicitly); an existing file
    /// must have the same size and adler32.
    func registerFile(_ key: DIDKey, bytes: Int64, adler32: String, md5: String?, account: String,
                      meta: [String: JSONValue] = [:]) throws {
        try lock.withLock {
            if let existing = dids[key] {
                guard existing.type == .file else {
                    throw RucioError(409, "DataIdentifierAlreadyExists", "Data Identifier already exists!")
                }
                if existing.bytes != bytes || !Self.sameAdler32(existing.adler32, adler32) {
                    throw RucioError(409, "FileConsistencyMismatch",
                                     "Replica '\(key.text)' has a different size or checksum than the registered file")
                }
                return
            }
            guard scopeOwners[key.scope] != nil else { throw RucioError.scopeNotFound(key.scope) }
            try Self.validate(name: key.name)
            let now = Date()
            dids[key] = DIDRecord(key: key, type: .file, account: account, bytes: bytes, length: 1, md5: md5,
                                  adler32: adler32, isOpen: true, createdAt: now, updatedAt: now, closedAt: nil, meta: meta)
        }
    }

    func addReplica(_ key: DIDKey, rse: String, state: ReplicaState) throws {
        try lock.withLock {
            guard dids[key]?.type == .file else { throw RucioError.didNotFound(key.scope, key.name) }
            if replicas[key]?[rse] != nil {
                throw RucioError(409, "Duplicate", "Replica for '\(key.text)' on RSE '\(rse)' already exists!")
            }
            replicas[key, default: [:]][rse] = ReplicaRecord(rse: rse, state: state, createdAt: Date())
        }
    }

    func updateReplicaState(_ key: DIDKey, rse: String, state: ReplicaState) throws {
        try lock.withLock {
            guard replicas[key]?[rse] != nil else {
                throw RucioError(404, "ReplicaNotFound", "No row found for '\(key.text)' on RSE '\(rse)'")
            }
            replicas[key]?[rse]?.state = state
        }
    }

    /// Attaches `children` to the collection `parent`, with the real server's checks and status codes: the
    /// parent must exist (404), be a collection that is open (409 `UnsupportedOperation`), a dataset takes
    /// files and a container takes collections (409), and attaching twice is a conflict (409).
    func attach(_ children: [DIDKey], to parent: DIDKey) throws {
        try lock.withLock {
            guard var parentRecord = dids[parent] else { throw RucioError.didNotFound(parent.scope, parent.name) }
            guard parentRecord.type.isCollection else {
                throw RucioError(409, "UnsupportedOperation", "Data identifier '\(parent.text)' is a file")
            }
            guard parentRecord.isOpen else {
                throw RucioError(409, "UnsupportedOperation", "Data identifier '\(parent.text)' is closed")
            }
            var existing = Set(self.children[parent] ?? [])
            for child in children {
                guard let childRecord = dids[child] else { throw RucioError.didNotFound(child.scope, child.name) }
                if child == parent { throw RucioError(409, "UnsupportedOperation", "Self-append is not valid!") }
                switch (parentRecord.type, childRecord.type) {
                case (.dataset, .file):
                    break
                case (.dataset, _):
                    throw RucioError(409, "UnsupportedOperation",
                                     "Data identifier \(child.text) of type \(childRecord.type.rawValue) cannot be added to a dataset ")
                case (.container, .file):
                    throw RucioError(409, "UnsupportedOperation",
                                     "Adding a file (\(child.text)) to a container (\(parent.text)) is forbidden")
                default:
                    if isAncestor(child, of: parent) {
                        throw RucioError(409, "UnsupportedOperation",
                                         "Circular attachment detected. \(child.text) is already a parent of \(parent.text)")
                    }
                }
                guard existing.insert(child).inserted else {
                    let exceptionClass = parentRecord.type == .dataset ? "FileAlreadyExists" : "DuplicateContent"
                    throw RucioError(409, exceptionClass, "The data identifier '\(child.text)' is already attached to '\(parent.text)'")
                }
            }
            for child in children {
                self.children[parent, default: []].append(child)
                parents[child, default: []].append(parent)
            }
            parentRecord.updatedAt = Date()
            dids[parent] = parentRecord
        }
    }

    /// `PUT /dids/{scope}/{name}/status` with `open`.
    func setOpen(_ key: DIDKey, open: Bool) throws {
        try lock.withLock {
            guard var record = dids[key] else { throw RucioError.didNotFound(key.scope, key.name) }
            guard record.type.isCollection else {
                throw RucioError(409, "UnsupportedOperation", "The status of the data identifier '\(key.text)' cannot be changed")
            }
            record.isOpen = open
            record.closedAt = open ? nil : Date()
            record.updatedAt = Date()
            dids[key] = record
        }
    }

    func setMeta(_ key: DIDKey, values: [String: JSONValue]) throws {
        try lock.withLock {
            guard dids[key] != nil else { throw RucioError.didNotFound(key.scope, key.name) }
            for (k, v) in values { dids[key]?.meta[k] = v }
        }
    }

    // MARK: Reading

    func did(_ key: DIDKey) throws -> DIDRecord {
        try lock.withLock {
            guard let record = dids[key] else { throw RucioError.didNotFound(key.scope, key.name) }
            return record
        }
    }

    /// Direct children in attach order, with their records.
    func content(of key: DIDKey) throws -> [DIDRecord] {
        try lock.withLock {
            guard dids[key] != nil else { throw RucioError.didNotFound(key.scope, key.name) }
            return (children[key] ?? []).compactMap { dids[$0] }
        }
    }

    /// Every file under `key` (the file itself for a file), depth first, each once.
    func files(under key: DIDKey) throws -> [DIDRecord] {
        try lock.withLock {
            guard let record = dids[key] else { throw RucioError.didNotFound(key.scope, key.name) }
            var seen = Set<DIDKey>()
            var out: [DIDRecord] = []
            collectFiles(record, seen: &seen, into: &out)
            return out
        }
    }

    func parents(of key: DIDKey) throws -> [DIDRecord] {
        try lock.withLock {
            guard dids[key] != nil else { throw RucioError.didNotFound(key.scope, key.name) }
            return (parents[key] ?? []).compactMap { dids[$0] }
        }
    }

    /// Top-level DIDs of a scope as `scope_list` defines them: DIDs that are not attached to any collection of
    /// the *same* scope, ordered by name.
    func topLevel(scope: String) -> [DIDRecord] {
        lock.withLock {
            dids.values.filter { record in
                record.key.scope == scope && !(parents[record.key] ?? []).contains { $0.scope == scope }
            }.sorted { $0.key.name < $1.key.name }
        }
    }

    /// Children of `key` ordered by name, as `scope_list`'s driller reads the contents table.
    func childrenByName(of key: DIDKey) -> [DIDRecord] {
        lock.withLock { (children[key] ?? []).compactMap { dids[$0] }.sorted { $0.key.name < $1.key.name } }
    }

    /// All DIDs of a scope, for search.
    func dids(inScope scope: String) -> [DIDRecord] {
        lock.withLock { dids.values.filter { $0.key.scope == scope } }
    }

    func replicas(of key: DIDKey) -> [ReplicaRecord] {
        lock.withLock { Array((replicas[key] ?? [:]).values) }
    }

    func exists(_ key: DIDKey) -> Bool { lock.withLock { dids[key] != nil } }

    /// Sum of bytes and number of files under a collection (for `dynamic_depth`).
    func resolvedSize(of key: DIDKey) throws -> (bytes: Int64, length: Int64) {
        let files = try files(under: key)
        return (files.reduce(0) { $0 + ($1.bytes ?? 0) }, Int64(files.count))
    }

    // MARK: Helpers (lock held)

    private func checkNewDID(_ key: DIDKey) throws {
        guard scopeOwners[key.scope] != nil else { throw RucioError.scopeNotFound(key.scope) }
        try Self.validate(name: key.name)
        guard dids[key] == nil else { throw RucioError(409, "DataIdentifierAlreadyExists", "Data Identifier already exists!") }
    }

    private func collectFiles(_ record: DIDRecord, seen: inout Set<DIDKey>, into out: inout [DIDRecord]) {
        guard seen.insert(record.key).inserted else { return }
        if record.type == .file { out.append(record); return }
        for child in children[record.key] ?? [] {
            if let childRecord = dids[child] { collectFiles(childRecord, seen: &seen, into: &out) }
        }
    }

    /// Whether `candidate` is `key` or one of its ancestors.
    private func isAncestor(_ candidate: DIDKey, of key: DIDKey) -> Bool {
        var stack = [key]
        var seen = Set<DIDKey>()
        while let next = stack.popLast() {
            if next == candidate { return true }
            guard seen.insert(next).inserted else { continue }
            stack.append(contentsOf: parents[next] ?? [])
        }
        return false
    }

    /// The emulator is more lenient than the generic schema (`^[/A-Za-z0-9][/A-Za-z0-9.\-_]*$`) so tests can
    /// use spaces and unicode, but it refuses what no server could store: empty names, NUL and over-long names.
    static func validate(name: String) throws {
        guard !name.isEmpty, !name.contains("\u{0}"), name.utf8.count <= 250 else {
            throw RucioError(400, "InvalidObject", "Problem validating name : '\(name)' is not a valid DID name")
        }
    }

    /// adler32 values compare as numbers (leading zeros stripped), as the Rucio client does.
    static func sameAdler32(_ a: String?, _ b: String?) -> Bool {
        guard let a, let b else { return a == b }
        return UInt32(a, radix: 16) == UInt32(b, radix: 16)
    }
}
