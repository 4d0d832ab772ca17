import Foundation

/// What the Core has learnt about the integrity of the file versions it checked, shared by every open handle, so
/// a file found corrupt fails every open and read — not only the handle that found it — until it is refreshed
/// (`user.sciencefs.refresh`) or the server's object changes (another size or mtime is another version).
///
/// Kept in memory: a remount checks again, which costs one more whole read of a bad file, never a bad byte.
/// `@unchecked Sendable` because `lock` guards `states` and `gates` (a leaf: held only for dictionary work). Each
/// gate lock serialises one version's whole-file fetch and check; it is taken under a handle's `readLock` and is
/// held across that fetch (see the lock order in `VFS`).
final class VerificationLedger: @unchecked Sendable {
    enum State: Equatable {
        /// The whole file matched these checksums (the service's, which it was checked against) at this time.
        case verified(CheckedChecksums)
        /// The reason, as the first reader was told (and the log said, once).
        case corrupt(String)

        var isVerified: Bool {
            if case .verified = self { return true }
            return false
        }
    }

    /// What a passed whole-file check compared, and when: `user.sciencefs.verified` shows it.
    struct CheckedChecksums: Equatable {
        var checksums: [Checksum]
        var at: Date
    }

    struct Key: Hashable {
        var node: NodeKey
        /// The cache version string: size and server mtime.
        var version: String
    }

    private let lock = NSLock()
    private var states: [Key: State] = [:]
    /// One lock per file version being fetched whole, so two readers of the same small file fetch it once; dropped
    /// when its last user is done.
    private var gates: [Key: (lock: NSLock, users: Int)] = [:]
    /// Past this many verdicts the "verified" ones are forgotten (a file read again is then checked again, from
    /// the local cache); corrupt ones are always kept. Bounds memory in a session that reads millions of files.
    private let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    func state(_ key: Key) -> State? {
        lock.withLock { states[key] }
    }

    func record(_ key: Key, _ state: State) {
        lock.withLock {
            if states.count >= capacity { states = states.filter { !$0.value.isVerified } }
            states[key] = state
        }
    }

    /// Forgets every version of `node` (and of the nodes below it): the next read checks again.
    func forget(_ node: NodeKey) {
        lock.withLock { states = states.filter { !$0.key.node.isWithin(node) } }
    }

    /// Runs `body` while no other caller runs it for the same `key`.
    func exclusively<T>(_ key: Key, _ body: () throws -> T) rethrows -> T {
        let gate = lock.withLock { () -> NSLock in
            let entry = gates[key] ?? (NSLock(), 0)
            gates[key] = (entry.lock, entry.users + 1)
            return entry.lock
        }
        gate.lock()
        defer {
            gate.unlock()
            lock.withLock {
                if let entry = gates[key] { gates[key] = entry.users > 1 ? (entry.lock, entry.users - 1) : nil }
            }
        }
        return try body()
    }
}
