import Foundation

/// A small in-memory map whose entries expire after a fixed time: the PFN lists, DID records, child listings
/// and RSE descriptions the backend reuses between calls. Thread-safe. Entries are dropped lazily (on read)
/// and the whole map is pruned when it grows past `capacity`, so memory stays bounded.
final class ExpiringCache<Key: Hashable, Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [Key: (value: Value, expires: Date)] = [:]
    private let ttl: TimeInterval
    private let capacity: Int

    init(ttl: TimeInterval, capacity: Int = 10_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    func value(_ key: Key, now: Date = Date()) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[key] else { return nil }
        if entry.expires <= now {
            entries[key] = nil
            return nil
        }
        return entry.value
    }

    func set(_ key: Key, _ value: Value, now: Date = Date()) {
        guard ttl > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= capacity {
            entries = entries.filter { $0.value.expires > now }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[key] = (value, now.addingTimeInterval(ttl))
    }

    func remove(_ key: Key) {
        lock.lock()
        entries[key] = nil
        lock.unlock()
    }
}
