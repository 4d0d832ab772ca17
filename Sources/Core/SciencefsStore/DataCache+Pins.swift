import Foundation

/// Why a pin or an eviction on request was refused.
public enum PinRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// Pinning `size` more bytes would take the pinned total past the cache's cap.
    case overCapacity(pinned: UInt64, size: UInt64, capacity: UInt64)
    /// `sciencefs cache evict` of a pinned file: unpin it first.
    case pinned

    public var description: String {
        switch self {
        case .overCapacity(let pinned, let size, let capacity):
            return "pinning \(size) bytes would exceed the data cache's \(capacity) bytes (\(pinned) already pinned)"
        case .pinned:
            return "the file is pinned; unpin it first"
        }
    }
}

/// What the data cache holds of one file, as `user.sciencefs.cached` and `sciencefs cache` show it.
public struct CachedFileState: Equatable, Sendable {
    public var bytes: UInt64
    public var complete: Bool
    public var pinned: Bool
}

/// Pinning (`sciencefs pin`, `user.sciencefs.pin`): a pinned file is never evicted; the pinned sizes together never
/// exceed the cap, so unpinned objects can always make room. Pins are kept by path in the `cache_pins` table, so
/// they outlive a remount and a new version of the file.
extension DataCache {
    /// Pins `path` with the file's current `size`. Throws `PinRefusal.overCapacity` when the pins would not fit.
    /// Pinning a pinned file again updates its size.
    public func pin(source: String, path: String, size: UInt64) throws {
        let key = CacheKey(source: source, path: path)
        try changingIndex {
            let others = pins.filter { $0.key != key }.values.reduce(0, +)
            guard others + size <= capacityBytes else {
                throw PinRefusal.overCapacity(pinned: others, size: size, capacity: capacityBytes)
            }
            try index.savePin(key, size: size)
            pins[key] = size
        }
    }

    public func unpin(source: String, path: String) throws {
        let key = CacheKey(source: source, path: path)
        try changingIndex {
            guard pins[key] != nil else { return }
            try index.applyPins(removing: [key])
            pins.removeValue(forKey: key)
        }
    }

    public func isPinned(source: String, path: String) -> Bool {
        locked { pins[CacheKey(source: source, path: path)] != nil }
    }

    /// Evicts the cached bytes of a file, or of every file below a directory, on request; refuses when a file there
    /// is pinned (`PinRefusal.pinned`).
    public func evict(source: String, path: String) throws {
        let pinnedBelow = locked {
            pins.keys.contains { $0.source == source && StorePath.isSelfOrDescendant($0.path, of: path) }
        }
        if pinnedBelow { throw PinRefusal.pinned }
        try remove(source: source, path: path)
    }

    /// Bytes held for `path` at `version` (0 when the cache holds another version or none), whether they are the
    /// whole file, and whether it is pinned.
    public func state(source: String, path: String, version: String, size: UInt64) -> CachedFileState {
        let key = CacheKey(source: source, path: path)
        return locked {
            let pinned = pins[key] != nil
            guard let entry = entries[key], entry.version == version else {
                return CachedFileState(bytes: 0, complete: size == 0, pinned: pinned)
            }
            return entry.lock.withLock {
                entry.discarded ? CachedFileState(bytes: 0, complete: size == 0, pinned: pinned)
                    : CachedFileState(bytes: entry.extents.byteCount, complete: entry.extents.covers(size: size),
                                      pinned: pinned)
            }
        }
    }

    /// Drops the pins at and below `path` (the file or directory was deleted).
    public func forgetPins(source: String, path: String) throws {
        try changingIndex {
            let gone = pins.keys.filter { $0.source == source && StorePath.isSelfOrDescendant($0.path, of: path) }
            try index.applyPins(removing: gone)
            for key in gone { pins.removeValue(forKey: key) }
        }
    }

    /// The pins at and below `from` move to `to` (a rename); pins at and below `to` go. Called with both locks held.
    func renamePins(source: String, from: String, to: String) throws {
        let replaced = pins.keys.filter {
            $0.source == source && StorePath.isSelfOrDescendant($0.path, of: to) && !StorePath.isSelfOrDescendant($0.path, of: from)
        }
        let moving = pins.keys.filter { $0.source == source && StorePath.isSelfOrDescendant($0.path, of: from) }
        let moves = moving.map { (from: $0, to: StorePath.rebase($0.path, from: from, to: to)) }
        try index.applyPins(removing: replaced, moving: moves)
        for key in replaced { pins.removeValue(forKey: key) }
        let sizes = moving.map { pins.removeValue(forKey: $0) ?? 0 }
        for (move, size) in zip(moves, sizes) { pins[CacheKey(source: source, path: move.to)] = size }
    }
}
