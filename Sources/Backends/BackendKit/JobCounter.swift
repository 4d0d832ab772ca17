import Foundation

/// Numbers the server-side jobs one process starts (Agave imports, Tapis transfer tasks), so that ids made from the
/// request time are unique even when two requests share a millisecond.
public final class JobCounter: @unchecked Sendable {
    /// Guards `value`.
    private let lock = NSLock()
    private var value = 0

    public init() {}

    public func next() -> Int { lock.withLock { value += 1; return value } }
}
