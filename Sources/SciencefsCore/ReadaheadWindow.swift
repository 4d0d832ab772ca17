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
        runLength = sequential ? runLength + length : length
        expectedOffset = offset + length
    }

    /// Whether the read just noted continued the previous one.
    var isSequential: Bool { sequential }

    /// Bytes read in the current sequential run (since the last seek).
    private(set) var runLength: UInt64 = 0

    /// How far background readahead should reach past the read just noted: twice the sequential run so far (as the
    /// kernel's own readahead grows), so a short `dd` fetches little and a long `cat` keeps `cap` bytes in flight.
    func prefetchHorizon(cap: UInt64) -> UInt64 {
        sequential ? min(runLength * 2, cap) : 0
    }

    /// How many bytes to fetch for the read just noted, when they are not cached.
    func nextFetchSize(atLeast length: UInt64) -> UInt64 {
        window = sequential ? min(max(window, initial) * 2, maximum) : initial
        return max(window, length)
    }
}
