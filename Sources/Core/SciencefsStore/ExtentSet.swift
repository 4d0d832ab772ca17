/// The byte ranges of one cached object that are present on disk: sorted, half-open `[start, end)` ranges that
/// neither overlap nor touch (adjacent or overlapping insertions are merged), so a sequential fill stays one range.
struct ExtentSet: Equatable, Sendable {
    struct Extent: Equatable, Sendable {
        var start: UInt64
        var end: UInt64
        var length: UInt64 { end - start }
    }

    private(set) var extents: [Extent] = []
    /// Sum of the extents' lengths, kept up to date so usage accounting is O(1).
    private(set) var byteCount: UInt64 = 0

    init() {}

    /// Builds a set from stored ranges in any order (they are merged as if inserted one by one).
    init<S: Sequence>(ranges: S) where S.Element == Extent {
        for range in ranges { insert(start: range.start, end: range.end) }
    }

    var isEmpty: Bool { extents.isEmpty }

    /// Adds `[start, end)`; returns how many bytes were not present before.
    @discardableResult
    mutating func insert(start: UInt64, end: UInt64) -> UInt64 {
        guard start < end else { return 0 }
        // First extent that could touch the new range (its end reaches `start`).
        let low = firstIndex(endingAtOrAfter: start)
        var merged = Extent(start: start, end: end)
        var removedBytes: UInt64 = 0
        var high = low
        while high < extents.count, extents[high].start <= end {
            merged.start = min(merged.start, extents[high].start)
            merged.end = max(merged.end, extents[high].end)
            removedBytes += extents[high].length
            high += 1
        }
        extents.replaceSubrange(low..<high, with: [merged])
        let added = merged.length - removedBytes
        byteCount += added
        return added
    }

    /// Length of the present run that starts exactly at or covers `offset`, measured from `offset` and capped at
    /// `max`; 0 when `offset` is not present.
    func runLength(at offset: UInt64, max: UInt64) -> UInt64 {
        guard offset < UInt64.max else { return 0 }
        let index = firstIndex(endingAtOrAfter: offset + 1)
        guard index < extents.count, extents[index].start <= offset else { return 0 }
        return Swift.min(extents[index].end - offset, max)
    }

    /// Whether all of `[0, size)` is present (an empty object is trivially complete).
    func covers(size: UInt64) -> Bool {
        if size == 0 { return true }
        guard let first = extents.first else { return false }
        return first.start == 0 && first.end >= size
    }

    /// Drops everything at or beyond `size` (used when the file on disk turns out shorter than recorded).
    mutating func truncate(to size: UInt64) {
        extents = extents.compactMap { extent in
            if extent.start >= size { return nil }
            return Extent(start: extent.start, end: Swift.min(extent.end, size))
        }
        byteCount = extents.reduce(0) { $0 + $1.length }
    }

    /// Binary search: index of the first extent whose `end >= offset`.
    private func firstIndex(endingAtOrAfter offset: UInt64) -> Int {
        var low = 0
        var high = extents.count
        while low < high {
            let mid = (low + high) / 2
            if extents[mid].end < offset { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
