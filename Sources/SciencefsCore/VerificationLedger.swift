import Foundation

/// What the Core has learnt about the integrity of the file versions it checked, shared by every open handle, so
/// a file found corrupt fails every open and read — not only the handle that found it — until it is refreshed
/// (`user.sciencefs.refresh`) or the server's object changes (another size or mtime is another version).
///
/// Kept in memory: a remount checks again, which costs one more whole read of a bad file, never a bad byte.
/// Thread-safe.
final class VerificationLedger: @unchecked Sendable {
    enum State: Equatable {
        case verified
        /// The reason, as the first reader was told (and the log said, once).
        case corrupt(String)
    }

    struct Key: Hashable {
        var node: NodeKey
        /// The cache version string: size and server mtime.
        var version: String
    }

    private let lock = NSLock()
    private var states: [Key: State] = [:]
    /// One lock per file version being fetched whole, so two readers of the same small file fetch it once.
    private var gates: [Key: NSLock] = [:]

    func state(_ key: Key) -> State? {
        lock.withLock { states[key] }
    }

    func record(_ key: Key, _ state: State) {
        lock.withLock { states[key] = state }
    }

    /// Forgets every version of `node` (and of the nodes below it): the next read checks again.
    func forget(_ node: NodeKey) {
        lock.withLock {
            states = states.filter { !$0.key.node.isWithin(node) }
            gates = gates.filter { !$0.key.node.isWithin(node) }
        }
    }

    /// Runs `body` while no other caller runs it for the same `key`.
    func exclusively<T>(_ key: Key, _ body: () throws -> T) rethrows -> T {
        let gate = lock.withLock { () -> NSLock in
            if let gate = gates[key] { return gate }
            let gate = NSLock()
            gates[key] = gate
            return gate
        }
        gate.lock()
        defer { gate.unlock() }
        return try body()
    }
}
