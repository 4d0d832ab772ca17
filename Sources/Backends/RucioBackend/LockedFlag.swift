import Synchronization

/// A thread-safe boolean that can only be switched on (a fact learned about the server).
final class LockedFlag: Sendable {
    private let value = Mutex(false)

    var isSet: Bool { value.withLock { $0 } }

    func set() { value.withLock { $0 = true } }
}
