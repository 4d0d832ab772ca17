import Foundation

/// The ranges one file's readahead keeps track of (`Prefetcher`), each as [start, end): those fetchers bring, those
/// readers fetch themselves, and those waiting for the pool's budget. A value, guarded by `Prefetcher.condition`.
///
/// Only a fetch under way counts as bringing bytes (`beingFetched`): a reader may wait for it. A queued range does
/// not: it may wait for the budget for as long as other files keep it busy.
struct ReadaheadRanges {
    /// Ranges a fetcher is bringing, until their last byte has landed.
    private(set) var fetching: [Range<UInt64>] = []
    /// Ranges readers are fetching themselves (`Prefetcher.nextStep`).
    private(set) var claims: [Range<UInt64>] = []
    /// Ranges handed to the pool and not started yet.
    private(set) var queued: [Range<UInt64>] = []

    /// The file's readahead ranges not yet landed, running or waiting: what counts against its depth.
    var ahead: Int { fetching.count + queued.count }

    /// The fetch under way (a fetcher's or a reader's) that covers `offset`.
    func fetchCovering(_ offset: UInt64) -> Range<UInt64>? {
        fetching.first { $0.contains(offset) } ?? claims.first { $0.contains(offset) }
    }

    /// Whether a fetch under way covers `offset`.
    func beingFetched(_ offset: UInt64) -> Bool {
        fetchCovering(offset) != nil
    }

    /// Whether `range` overlaps any range fetched, claimed or queued.
    func overlapsAny(_ range: Range<UInt64>) -> Bool {
        fetching.contains { $0.overlaps(range) } || claims.contains { $0.overlaps(range) }
            || queued.contains { $0.overlaps(range) }
    }

    func isFetching(_ range: Range<UInt64>) -> Bool {
        fetching.contains(range)
    }

    mutating func startFetching(_ range: Range<UInt64>) {
        fetching.append(range)
    }

    /// `range`'s fetch ended, or its last byte landed.
    mutating func finishFetching(_ range: Range<UInt64>) {
        if let index = fetching.firstIndex(of: range) { fetching.remove(at: index) }
    }

    mutating func claim(_ range: Range<UInt64>) {
        claims.append(range)
    }

    mutating func unclaim(_ range: Range<UInt64>) {
        if let index = claims.firstIndex(of: range) { claims.remove(at: index) }
    }

    mutating func queue(_ range: Range<UInt64>) {
        queued.append(range)
    }

    /// Takes `range` out of the queue when it starts; false if it is no longer there (the file was closed).
    mutating func takeQueued(_ range: Range<UInt64>) -> Bool {
        guard let index = queued.firstIndex(of: range) else { return false }
        queued.remove(at: index)
        return true
    }

    mutating func dropQueued() {
        queued.removeAll()
    }
}
