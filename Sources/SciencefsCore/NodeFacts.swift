import Foundation

/// What a backend learned from its server about one source's objects beyond their attributes, and needs again
/// later (a Rucio file's replica list), kept by the Core's metadata cache rather than by the backend, so that
/// the one TTL and `user.sciencefs.refresh` reach it. (Rucio's DID records, children and RSE descriptions are still
/// cached in the backend; moving them here is issue 14's work.) Each value lives for the attribute TTL of its path (`Backend.cachePolicy(for:)`)
/// and is dropped with the node's attributes on `user.sciencefs.refresh`, on a change the Core sees (new size or
/// mtime, a write through the mount), on removal and on rename.
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
        cache.fact(type, of: key(path), ttl: policy(path).attributeTTL, now: clock.now())
    }

    /// Records `value` for `path`, replacing the one of the same type.
    public func set<T: Sendable>(_ value: T, at path: RemotePath) {
        cache.save(fact: value, of: key(path), now: clock.now())
    }

    /// Forgets the value of type `T` for `path` (e.g. a replica list that proved stale).
    public func remove<T>(_ type: T.Type, at path: RemotePath) {
        cache.removeFact(type, of: key(path))
    }

    private func key(_ path: RemotePath) -> NodeKey { NodeKey(source: source, path: path) }
}
