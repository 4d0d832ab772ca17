import Foundation

/// Sequential-read detection for one handle. Each fetch from the server doubles the previous fetch size while the
/// reads follow each other, and falls back to the initial size after a seek — so `dd skip=` fetches a small range
/// and `cat` fetches large ones. Called under the handle's read lock.
final class ReadaheadWindow: @unchecked Sendable {
    private let initial: UInt64
    private let maximum: UInt64
    private var window: UInt64 = 0
    private var expectedOffset: UInt64 = 0
    private var sequential = false

    init(initial: UInt64, maximum: UInt64) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// Records a read request of `length` bytes at `offset`.
    func noteRead(at offset: UInt64, length: UInt64) {
        sequential = offset == expectedOffset && window > 0
        expectedOffset = offset + length
    }

    /// How many bytes to fetch for the read just noted, when they are not cached.
    func nextFetchSize(atLeast length: UInt64) -> UInt64 {
        window = sequential ? min(max(window, initial) * 2, maximum) : initial
        return max(window, length)
    }
}
