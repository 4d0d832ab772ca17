import Foundation

/// Counts uploads in flight so an unmount can wait for them to finish.
///
/// `@unchecked Sendable` because `condition` (an `NSCondition`, which `Mutex` cannot replace: unmount waits on it)
/// guards `inFlight`. A leaf in the lock order (see `VFS`).
final class UploadCoordinator: @unchecked Sendable {
    private let condition = NSCondition()
    private var inFlight = 0

    func begin() {
        condition.lock()
        inFlight += 1
        condition.unlock()
    }

    func end() {
        condition.lock()
        inFlight -= 1
        condition.broadcast()
        condition.unlock()
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return inFlight
    }

    /// Blocks until no upload runs, or until `deadline`; returns whether all finished.
    @discardableResult
    func waitUntilIdle(deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while inFlight > 0 {
            if !condition.wait(until: deadline) { return inFlight == 0 }
        }
        return true
    }
}
