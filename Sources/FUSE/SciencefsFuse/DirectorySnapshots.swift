import SciencefsCore
import Synchronization

/// The entries of an open directory, taken at opendir so that readdir pages see one consistent list. A leaf lock:
/// never held while the VFS is called.
final class DirectorySnapshots: Sendable {
    private struct State {
        var snapshots: [UInt64: [DirectoryEntry]] = [:]
        var next: UInt64 = 1
    }

    private let state = Mutex(State())

    func add(_ entries: [DirectoryEntry]) -> UInt64 {
        state.withLock { state in
            let id = state.next
            state.next += 1
            state.snapshots[id] = entries
            return id
        }
    }

    func get(_ id: UInt64) -> [DirectoryEntry]? {
        state.withLock { $0.snapshots[id] }
    }

    func remove(_ id: UInt64) {
        state.withLock { $0.snapshots[id] = nil }
    }
}
