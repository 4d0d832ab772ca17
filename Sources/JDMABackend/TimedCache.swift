import Foundation

/// A small locked key → value cache whose entries expire after `ttl` (listings and batch records).
final class TimedCache<Key: Hashable, Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [Key: (value: Value, expires: Date)] = [:]
    private let ttl: TimeInterval

    init(ttl: TimeInterval) { self.ttl = ttl }

    func value(_ key: Key) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[key] else { return nil }
        guard entry.expires > Date() else {
            entries[key] = nil
            return nil
        }
        return entry.value
    }

    /// Stores `value`; `ttl` overrides the cache's own lifetime (e.g. `.infinity` for immutable data).
    func set(_ key: Key, _ value: Value, ttl: TimeInterval? = nil) {
        lock.lock()
        entries[key] = (value, Date().addingTimeInterval(ttl ?? self.ttl))
        lock.unlock()
    }

    func remove(_ key: Key) {
        lock.lock()
        entries[key] = nil
        lock.unlock()
    }

    func removeAll() {
        lock.lock()
        entries.removeAll()
        lock.unlock()
    }
}
