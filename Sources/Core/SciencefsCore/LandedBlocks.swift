import Foundation

/// The blocks readahead received for one file and the cache file does not hold yet (`Prefetcher`): readers are
/// answered from these. A value, guarded by `Prefetcher.condition` (as are each block's `filled`, `handedOver` and
/// `uncached`). The blocks are disjoint.
struct LandedBlocks {
    private var blocks: [LandingBlock] = []

    mutating func add(_ block: LandingBlock) {
        blocks.append(block)
    }

    mutating func remove(_ block: LandingBlock) {
        blocks.removeAll { $0 === block }
    }

    mutating func removeAll() {
        blocks.removeAll()
    }

    /// The block whose arrived bytes include `offset`.
    func block(containing offset: UInt64) -> LandingBlock? {
        blocks.first { $0.landed.contains(offset) }
    }

    /// The block whose arrived bytes include all of `range`.
    func block(covering range: Range<UInt64>) -> LandingBlock? {
        blocks.first { $0.landed.contains(range.lowerBound) && range.upperBound <= $0.landed.upperBound }
    }

    /// Whether a block is on its way into the cache file (handed to the writer, and not refused by the cache).
    var someOnTheirWayToTheCache: Bool {
        blocks.contains { $0.handedOver && !$0.uncached }
    }

    /// Drops the blocks the cache did not keep once a reader has read up to `end` past them.
    mutating func dropUncached(endingBy end: UInt64) {
        blocks.removeAll { $0.uncached && $0.landed.upperBound <= end }
    }
}
