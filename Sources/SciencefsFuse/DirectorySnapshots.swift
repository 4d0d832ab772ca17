import Foundation
import SciencefsCore

/// The entries of an open directory, taken at opendir so that readdir pages see one consistent list.
final class DirectorySnapshots: @unchecked Sendable {
    private let lock = NSLock()
    private var snapshots: [UInt64: [DirectoryEntry]] = [:]
    private var next: UInt64 = 1

    func add(_ entries: [DirectoryEntry]) -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        let id = next
        next += 1
        snapshots[id] = entries
        return id
    }

    func get(_ id: UInt64) -> [DirectoryEntry]? {
        lock.lock()
        defer { lock.unlock() }
        return snapshots[id]
    }

    func remove(_ id: UInt64) {
        lock.lock()
        snapshots[id] = nil
        lock.unlock()
    }
}
