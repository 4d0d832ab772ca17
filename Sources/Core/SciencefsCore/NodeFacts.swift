import Foundation

/// What a backend learned from its server about one source's objects beyond their attributes, and needs again
/// later: a Rucio DID's record, a collection's children, a file's replica list, a JDMA batch list or file tree. The
/// Core keeps them, not the backend, so that one TTL and one invalidation reach everything (docs/SEMANTICS.md,
/// "Freshness"):
/// - a value is fresh for the shorter of its path's attribute and listing TTLs (`Backend.cachePolicy(for:)`);
/// - an answer a backend builds from values is kept by the Core as old as the oldest value (`AnswerTime`), so a
///   listing or stat is never shown for longer than one TTL after the server said it;
/// - `user.sciencefs.refresh` drops the values of the node, of everything below it, and of every directory above
///   it, which may describe it (a dataset's children, a source's batch list);
/// - any change the Core sees (a new size or mtime, a write, a removal, a rename) drops the node's values and those
///   below it; a backend that changed something through the mount drops the values it knows it made stale (a
///   Rucio upload, its dataset's children).
///
/// An `unchanging` value is one the protocol says cannot change while the object exists (a JDMA batch's file list
/// once the batch is on tape): it has no TTL and ages no answer, but goes like any other on refresh or change.
///
/// One value per (path, type). Thread-safe.
public final class NodeFacts: @unchecked Sendable {
    private let source: String
    private let cache: MetadataCache
    private let clock: Clock
    private let policy: @Sendable (RemotePath) -> CachePolicy

    init(source: String, cache: MetadataCache, clock: Clock, policy: @escaping @Sendable (RemotePath) -> CachePolicy) {
        self.source = source
        self.cache = cache
        self.clock = clock
        self.policy = policy
    }

    /// Facts kept in memory with one fixed policy, for a backend used without a mount (its own tests, tools).
    public convenience init(source: String, policy: CachePolicy = CachePolicy()) {
        self.init(source: source, cache: MetadataCache(store: nil) { _ in }, clock: SystemClock(), policy: { _ in policy })
    }

    /// The fresh value of type `T` recorded for `path`, or nil.
    public func value<T: Sendable>(_ type: T.Type, at path: RemotePath) -> T? {
        let ttls = policy(path)
        guard let fact = cache.datedFact(type, of: key(path), ttl: min(ttls.attributeTTL, ttls.listingTTL),
                                         now: clock.now()) else { return nil }
        if let fetchedAt = fact.fetchedAt { AnswerTime.current?.note(fetchedAt) }
        return fact.value
    }

    /// Records `value` for `path`, replacing the one of the same type.
    public func set<T: Sendable>(_ value: T, at path: RemotePath, unchanging: Bool = false) {
        cache.save(fact: value, of: key(path), now: clock.now(), unchanging: unchanging)
    }

    /// Forgets the value of type `T` for `path` (e.g. a replica list that proved stale).
    public func remove<T>(_ type: T.Type, at path: RemotePath) {
        cache.removeFact(type, of: key(path))
    }

    private func key(_ path: RemotePath) -> NodeKey { NodeKey(source: source, path: path) }
}

/// A backend's way to the Core's `NodeFacts`: the Core's once `Backend.attach` gave them, before that (or for a
/// backend used without a mount) facts of its own, in memory, with the backend's policy.
public final class AttachedFacts: @unchecked Sendable {
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var facts: NodeFacts

    public init(source: String, policy: CachePolicy) {
        facts = NodeFacts(source: source, policy: policy)
    }

    public func attach(_ facts: NodeFacts) {
        lock.lock()
        self.facts = facts
        lock.unlock()
    }

    private var current: NodeFacts {
        lock.lock()
        defer { lock.unlock() }
        return facts
    }

    public func value<T: Sendable>(_ type: T.Type, at path: RemotePath) -> T? { current.value(type, at: path) }
    public func set<T: Sendable>(_ value: T, at path: RemotePath, unchanging: Bool = false) {
        current.set(value, at: path, unchanging: unchanging)
    }
    public func remove<T>(_ type: T.Type, at path: RemotePath) { current.remove(type, at: path) }
}
