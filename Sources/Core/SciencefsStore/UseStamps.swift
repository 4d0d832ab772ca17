import Foundation
import Synchronization

/// Gives out LRU use stamps: seconds since the epoch, each strictly later than every earlier one (nudged up within
/// one clock tick), so LRU order is total. Lock-free, so stamping a write takes no cache-wide lock.
final class UseStamps: Sendable {
    /// The last stamp given out, as its bit pattern.
    private let last = Atomic<UInt64>(0)

    /// Makes every later stamp exceed `stamp` (stamps loaded from the index).
    func observe(_ stamp: Double) {
        var current = last.load(ordering: .relaxed)
        while Double(bitPattern: current) < stamp {
            let (exchanged, original) = last.compareExchange(expected: current, desired: stamp.bitPattern,
                                                             ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    func next() -> Double {
        var current = last.load(ordering: .relaxed)
        while true {
            let stamp = max(Date().timeIntervalSince1970, Double(bitPattern: current).nextUp)
            let (exchanged, original) = last.compareExchange(expected: current, desired: stamp.bitPattern,
                                                             ordering: .relaxed)
            if exchanged { return stamp }
            current = original
        }
    }
}
