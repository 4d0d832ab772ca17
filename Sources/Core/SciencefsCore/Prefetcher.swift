import Foundation
import SciencefsStore

/// Background readahead for one version of a file with a data-cache object, shared by every handle reading it
/// (`SharedPrefetchers`): while reads are sequential it keeps several ranged fetches queued or running ahead of
/// the readers, each writing into the cache as its bytes arrive, so the network never idles while the kernel is
/// being answered and a read waits only for the bytes it needs. The fetches run on the mount's `ReadaheadPool`,
/// under its budget of bytes in flight. A reader's own fetch of bytes nobody is bringing is claimed here too
/// (`claim`), so concurrent readers of one file (a notebook's data-loader workers) fetch each byte once: whoever
/// comes second waits for the bytes instead of asking for them again.
///
/// A reader waits only for a range that is being fetched (by a fetcher or by another reader), never for one still
/// queued for the budget: queued ranges are not "in flight" here, so a reader who needs their bytes claims and
/// fetches them itself, and the queued range, once it starts, skips what the cache already has.
///
/// Errors are not reported from here: a range whose fetch failed is simply not cached, and the reader's own
/// synchronous fetch of it reports (and logs) the error as before.
///
/// `@unchecked Sendable` because `condition` guards `fetching`, `claims`, `queued`, `scheduledUntil` and
/// `stopped`; the rest is `let`. Lock order (see `VFS`): taken under the handle's `readLock`; under it only
/// `DataCache.lock` (`cachedRun`) and the pool's lock (`submit`). The fetchers call the backend and write the cache
/// with `condition` released.
final class Prefetcher: @unchecked Sendable {
    typealias Fetch = (_ start: UInt64, _ length: UInt64, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void

    private let object: CachedObject
    private let size: UInt64
    private let depth: Int
    private let pool: ReadaheadPool
    private let fetch: Fetch
    private let condition = NSCondition()
    /// Ranges a fetcher is bringing, as [start, end).
    private var fetching: [Range<UInt64>] = []
    /// Ranges readers are fetching themselves (`claim`).
    private var claims: [Range<UInt64>] = []
    /// Ranges handed to the pool and not started yet.
    private var queued: [Range<UInt64>] = []
    /// Where the scheduled readahead ends.
    private var scheduledUntil: UInt64 = 0
    private var stopped = false

    init(object: CachedObject, size: UInt64, depth: Int, pool: ReadaheadPool, fetch: @escaping Fetch) {
        self.object = object
        self.size = size
        self.depth = max(1, depth)
        self.pool = pool
        self.fetch = fetch
    }

    /// Called with `condition` locked: whether a fetch under way (a fetcher's or a reader's) covers `offset`.
    private func beingFetched(_ offset: UInt64) -> Bool {
        fetching.contains { $0.contains(offset) } || claims.contains { $0.contains(offset) }
    }

    /// Whether `offset` is being fetched right now (queued readahead does not count).
    func isInFlight(_ offset: UInt64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return beingFetched(offset)
    }

    /// Waits until `offset` is cached or no fetch under way covers it any more. Returns true if it is cached.
    func waitForBytes(at offset: UInt64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if object.cachedRun(at: offset, max: 1) > 0 { return true }
            guard beingFetched(offset) else { return false }
            condition.wait()
        }
    }

    /// After a sequential read ending at `end`: makes sure `[end, end + reach)` is cached, queued or being fetched,
    /// at most `depth` ranges at a time, each a `depth`-th of the reach (at least `minimum`, at most `maximum` bytes),
    /// so a short run asks for little and a long one keeps a few large requests going.
    func readAhead(from end: UInt64, reach: UInt64, minimum: UInt64, maximum: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped, reach > 0 else { return }
        // Never larger than the whole budget: such a range could only run alone.
        let chunk = max(1, min(pool.budgetBytes, min(maximum, max(minimum, reach / UInt64(depth)))))
        var start = max(scheduledUntil, end)
        let horizon = min(size, end + reach)
        while start < horizon, fetching.count + queued.count < depth {
            let length = min(chunk, size - start)
            // Skip what the cache already has (a second reader, a previous open).
            let cached = object.cachedRun(at: start, max: length)
            if cached < length {
                let range = (start + cached)..<(start + length)
                if !(fetching + claims + queued).contains(where: { $0.overlaps(range) }) { enqueue(range) }
            }
            start += length
        }
        scheduledUntil = max(scheduledUntil, start)
    }

    /// A reader is about to fetch `range` itself: true (and the range counts as being fetched until `unclaim`)
    /// unless a fetch under way already covers its first byte, in which case the reader waits for that one
    /// (`waitForBytes`). A queued range does not stop a claim.
    func claim(_ range: Range<UInt64>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if beingFetched(range.lowerBound) { return false }
        claims.append(range)
        return true
    }

    /// The reader's own fetch of `range` ended (its bytes are cached, or it failed): wakes whoever waits for them.
    func unclaim(_ range: Range<UInt64>) {
        condition.lock()
        if let index = claims.firstIndex(of: range) { claims.remove(at: index) }
        condition.broadcast()
        condition.unlock()
    }

    /// A seek: readahead restarts from wherever the reader goes next.
    func reset() {
        condition.lock()
        scheduledUntil = 0
        condition.unlock()
    }

    /// The last handle on the file closed: queued ranges are dropped and fetches under way stop at their next chunk.
    func stop() {
        condition.lock()
        stopped = true
        queued.removeAll()
        condition.broadcast()
        condition.unlock()
        pool.withdraw(owner: self)
    }

    /// Called with `condition` locked: hands `range` to the pool, which runs it when a fetcher and the budget allow.
    /// Admitted at once, it counts as being fetched from now on (readers may wait for it: it is sure to run);
    /// otherwise it waits in `queued`, where no reader waits for it.
    private func enqueue(_ range: Range<UInt64>) {
        let admitted = pool.submit(length: range.upperBound - range.lowerBound, owner: self) { [self] in run(range) }
        if admitted { fetching.append(range) } else { queued.append(range) }
    }

    /// On a fetcher: fetches `submitted`, writing it into the cache. A range that waited for the budget fetches only
    /// what is still missing when its turn comes.
    private func run(_ submitted: Range<UInt64>) {
        condition.lock()
        let range: Range<UInt64>
        if let index = queued.firstIndex(of: submitted) {
            queued.remove(at: index)
            guard !stopped, let missing = stillMissing(submitted) else {
                condition.unlock()
                return
            }
            range = missing
            fetching.append(range)
        } else if fetching.contains(submitted) {
            range = submitted
            if stopped {
                // The file closed before the range started: whoever waits for it is woken to fetch for itself.
                finishFetching(range, kept: true)
                condition.unlock()
                return
            }
        } else {
            condition.unlock() // dropped by `stop` while it waited
            return
        }
        condition.unlock()
        var cursor = range.lowerBound
        var keep = true
        do {
            try fetch(range.lowerBound, range.upperBound - range.lowerBound) { chunk in
                condition.lock()
                let isStopped = stopped
                condition.unlock()
                if isStopped { throw FSError.cancelled }
                // A full disk or an object too big for the cache: stop keeping bytes; readers fetch themselves.
                keep = (try? object.write(at: cursor, bytes: chunk)) ?? false
                cursor += UInt64(chunk.count)
                condition.lock()
                condition.broadcast()
                condition.unlock()
                if !keep { throw FSError.cancelled }
            }
        } catch {}
        condition.lock()
        finishFetching(range, kept: keep)
        condition.unlock()
        if !keep { pool.withdraw(owner: self) }
    }

    /// Called with `condition` locked: `range`'s fetch ended; if the cache would not keep its bytes, readahead for
    /// this file stops (its readers fetch for themselves).
    private func finishFetching(_ range: Range<UInt64>, kept: Bool) {
        if let index = fetching.firstIndex(of: range) { fetching.remove(at: index) }
        if !kept {
            stopped = true
            queued.removeAll()
        }
        condition.broadcast()
    }

    /// Called with `condition` locked: the part of `range` left to fetch once what the cache holds and what other
    /// fetches under way bring (readers who needed the bytes before the range started) are skipped from its front;
    /// nil if nothing is left.
    private func stillMissing(_ range: Range<UInt64>) -> Range<UInt64>? {
        var start = range.lowerBound
        while start < range.upperBound {
            let cached = object.cachedRun(at: start, max: range.upperBound - start)
            if cached > 0 {
                start += cached
                continue
            }
            guard let covering = (fetching + claims).first(where: { $0.contains(start) }) else { break }
            start = covering.upperBound
        }
        return start < range.upperBound ? start..<range.upperBound : nil
    }
}
