import Foundation

/// Sequential-read detection for one handle. `@unchecked Sendable` because its `var`s are guarded by the owning
/// handle's `ReadHandle.readLock`: every call is made under it.
///
/// A read counts as sequential when it starts near where the previous reads ended: the kernel sends a `cat`'s
/// reads several at a time, and libfuse's threads may hand them over slightly out of order. The first read at
/// offset 0 starts a run (a program reading a file from its start). Anything else is a seek, and the fetch is
/// exactly the bytes asked for, so random 4 KiB reads fetch 4 KiB, not a readahead window each.
final class ReadaheadWindow: @unchecked Sendable {
    /// How far from the expected offset a read may start and still continue the run.
    static let slack: UInt64 = 2 << 20

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
        let near = offset <= expectedOffset + Self.slack && offset + Self.slack >= expectedOffset
        sequential = near
        if sequential {
            runLength += length
            expectedOffset = max(expectedOffset, offset + length)
        } else {
            runLength = length
            expectedOffset = offset + length
        }
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

    /// How many bytes to fetch for the read just noted, when they are not cached and no readahead runs: a window
    /// that starts at `initial` and doubles up to `maximum` along a sequential run, and exactly `length` after a seek.
    func nextFetchSize(atLeast length: UInt64) -> UInt64 {
        guard sequential else {
            window = 0
            return length
        }
        window = window == 0 ? initial : min(window * 2, maximum)
        return max(window, length)
    }
}
