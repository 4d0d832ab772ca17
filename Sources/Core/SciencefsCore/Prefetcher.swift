import Foundation
import SciencefsStore

/// Background readahead for one version of a file with a data-cache object, shared by every handle reading it
/// (`SharedPrefetchers`): while reads are sequential it keeps several ranged fetches queued or running ahead of
/// the readers, so the network never idles while the kernel is being answered and a read waits only for the bytes
/// it needs. The fetches run on the mount's `ReadaheadPool`, under its budget of bytes in flight. A reader's own
/// fetch of bytes nobody is bringing is claimed here too (`nextStep`), so concurrent readers of one file (a notebook's
/// data-loader workers) fetch each byte once: whoever comes second waits for the bytes instead of asking for them
/// again.
///
/// Bytes reach the readers first and the cache file after: a fetcher copies what arrives into `LandingBlock`s held
/// here, readers are answered from those (`awaitBytes`, `nextStep`), and each full block goes to the mount's
/// `CacheWriteQueue`, which writes it into the data cache on a thread of its own and then drops it from here. A
/// reader never waits for the cache disk for bytes that arrived; a full disk costs the cache those bytes, not the
/// reader (a block the cache does not keep stays in memory until a reader has read past it); a disk slower than
/// the network holds up the fetchers once the writer is `CacheWriteQueue.limit` bytes behind, so that the memory
/// held for it stays bounded.
///
/// A reader waits only for a range that is being fetched (by a fetcher or by another reader), never for one still
/// queued for the budget: queued ranges are not "in flight" here, so a reader who needs their bytes claims and
/// fetches them itself, and the queued range, once it starts, skips what is already here or cached.
///
/// Errors are not reported from here: a range whose fetch failed is simply not landed, and the reader's own
/// synchronous fetch of it reports (and logs) the error as before.
///
/// The bookkeeping is two values: `ReadaheadRanges` (what is being fetched, claimed, queued) and `LandedBlocks`
/// (what arrived and is not in the cache file yet); this type decides what to fetch, runs the fetches, and answers
/// the readers from both.
///
/// `@unchecked Sendable` because `condition` guards `ranges`, `landing` (and each block's `filled`, `handedOver`
/// and `uncached`), `scheduledUntil` and `stopped`; the rest is `let`. Lock order (see
/// `VFS`): taken under the handle's `readLock`; under it only the cached object's `CacheEntry.lock` (`cachedRun`),
/// the pool's lock (`submit`) and the write queue's. The fetchers call the backend and copy bytes, and the writer
/// writes the cache, with `condition` released.
final class Prefetcher: @unchecked Sendable {
    typealias Fetch = (_ start: UInt64, _ length: UInt64, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void

    private let object: CachedObject
    private let size: UInt64
    private let depth: Int
    private let pool: ReadaheadPool
    private let writes: CacheWriteQueue
    private let fetch: Fetch
    private let condition = NSCondition()
    /// What fetchers and readers are bringing, and what waits for the budget.
    private var ranges = ReadaheadRanges()
    /// Bytes fetched and not yet in the cache file.
    private var landing = LandedBlocks()
    /// Where the scheduled readahead ends.
    private var scheduledUntil: UInt64 = 0
    private var stopped = false

    /// A fetch under way when the file closes still finishes if no more than this is left of it.
    static let finishedAfterClose: UInt64 = 1 << 20

    init(object: CachedObject, size: UInt64, depth: Int, pool: ReadaheadPool, writes: CacheWriteQueue,
         fetch: @escaping Fetch) {
        self.object = object
        self.size = size
        self.depth = max(1, depth)
        self.pool = pool
        self.writes = writes
        self.fetch = fetch
    }

    /// Called with `condition` locked: how many bytes from `offset` (at most `max`) are here, in the cache file or
    /// landed in memory.
    private func presentRun(at offset: UInt64, max: UInt64) -> UInt64 {
        let cached = object.cachedRun(at: offset, max: max)
        if cached > 0 { return cached }
        guard let block = landing.block(containing: offset) else { return 0 }
        return min(max, block.landed.upperBound - offset)
    }

    /// Called with `condition` locked: the first offset of `range` that is neither cached nor landed.
    private func firstAbsent(_ range: Range<UInt64>) -> UInt64 {
        var position = range.lowerBound
        while position < range.upperBound {
            let run = presentRun(at: position, max: range.upperBound - position)
            if run == 0 { break }
            position += run
        }
        return position
    }

    /// Where a reader finds the bytes of `range` (see `awaitBytes`).
    enum Availability {
        /// All of them are in the cache file.
        case cached
        /// All of them are in one landed block.
        case landed(LandedBytes)
        /// Not (all) here, and nothing under way brings the first missing one; or here, but split between the cache
        /// and memory, so the copying read assembles them.
        case elsewhere
    }

    /// Waits while a fetch under way brings the first byte of `range` that is not here yet, then says where the
    /// bytes are. With `fromMemory` false only the cache file counts, and it also waits until every landed block on
    /// its way into the cache file is there: the read that reaches the end of a file is answered from the cache,
    /// complete by then if the file was read whole, so that the file can be checked against the service's
    /// checksums before the reader has its last byte (`VFS+Verification`).
    func awaitBytes(_ range: Range<UInt64>, fromMemory: Bool = true) -> Availability {
        condition.lock()
        defer { condition.unlock() }
        let wanted = range.upperBound - range.lowerBound
        while true {
            let cached = object.cachedRun(at: range.lowerBound, max: wanted)
            // Answered from the cache file: only once every landed block of the file is in it, so that the file
            // is complete there if the readers have had all of it.
            let writing = !fromMemory && landing.someOnTheirWayToTheCache
            if cached == wanted, !writing { return .cached }
            if fromMemory, let block = landing.block(covering: range) {
                return .landed(LandedBytes(block: block, offset: Int(range.lowerBound - block.start), count: Int(wanted)))
            }
            let absent = fromMemory ? firstAbsent(range) : range.lowerBound + cached
            guard writing || (absent < range.upperBound && ranges.beingFetched(absent)) else { return .elsewhere }
            condition.wait()
        }
    }

    /// What a copying read does next for the bytes at one offset (`nextStep`).
    enum ReadStep: Equatable {
        /// This many landed bytes were copied into the buffer.
        case copied(Int)
        /// This many bytes from the offset are in the cache file: the reader reads them from there (they stay
        /// readable through its descriptor even if the object is evicted meanwhile).
        case cached(UInt64)
        /// Nobody brings them: the reader fetches this range itself. It is claimed, so a second reader waits for it
        /// instead of asking again, until `unclaim`.
        case fetch(Range<UInt64>)
    }

    /// One look, under one lock, at where the bytes at `offset` are: landed in memory (copied into `buffer`), in the
    /// cache file (as many as fit in `buffer`), or being brought by a fetch under way, which it waits for before
    /// looking again; else the reader is to fetch `fetchLength()` bytes from `offset` itself, and they are claimed.
    /// A queued range does not count as being fetched: the reader does not wait for it, and the queued range, once it
    /// starts, skips what the reader brought.
    ///
    /// One lock for the whole look, because bytes move while a reader looks: a readahead range lands its block,
    /// then ends, then the block goes to the cache file. Asked one at a time, "landed? cached? in flight?" could each
    /// say no while the bytes were on their way from one to the next, and the reader would fetch them again.
    /// `fetchLength` runs under the lock (it reads the handle's readahead window, which the caller's `readLock`
    /// guards; it takes no lock).
    func nextStep(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer,
                  fetchLength: () -> UInt64) -> ReadStep {
        condition.lock()
        while true {
            if let block = landing.block(containing: offset) {
                let count = Int(min(UInt64(buffer.count), block.landed.upperBound - offset))
                condition.unlock()
                // Bytes below `filled` never change: copied without the lock (`block` keeps them alive).
                if let target = buffer.baseAddress, let source = block.bytes.baseAddress {
                    target.copyMemory(from: source + Int(offset - block.start), byteCount: count)
                }
                return .copied(count)
            }
            // Counted as a cache hit or miss, as every read's look at the cache is.
            let cached = object.cachedLength(at: offset, max: UInt64(buffer.count))
            if cached > 0 {
                condition.unlock()
                return .cached(cached)
            }
            if ranges.beingFetched(offset) {
                condition.wait()
                continue
            }
            let range = offset..<(offset + max(1, fetchLength()))
            ranges.claim(range)
            condition.unlock()
            return .fetch(range)
        }
    }

    /// After a sequential read ending at `end`: makes sure `[end, end + reach)` is cached, queued or being fetched,
    /// at most `depth` ranges at a time, each a `depth`-th of the reach (at least `minimum`, at most `maximum` bytes),
    /// so a short run asks for little and a long one keeps a few large requests going.
    func readAhead(from end: UInt64, reach: UInt64, minimum: UInt64, maximum: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return }
        // Blocks the cache did not keep are dropped once a reader has read past them.
        landing.dropUncached(endingBy: end)
        guard reach > 0 else { return }
        // Never larger than the whole budget: such a range could only run alone.
        let chunk = max(1, min(pool.budgetBytes, min(maximum, max(minimum, reach / UInt64(depth)))))
        var start = max(scheduledUntil, end)
        let horizon = min(size, end + reach)
        while start < horizon, ranges.ahead < depth {
            let length = min(chunk, size - start)
            // Skip what is already here (a second reader, a previous open).
            let cached = presentRun(at: start, max: length)
            if cached < length {
                let range = (start + cached)..<(start + length)
                if !ranges.overlapsAny(range) { enqueue(range) }
            }
            start += length
        }
        scheduledUntil = max(scheduledUntil, start)
    }

    /// The reader's own fetch of `range` ended (its bytes are cached, or it failed): wakes whoever waits for them.
    func unclaim(_ range: Range<UInt64>) {
        condition.lock()
        ranges.unclaim(range)
        condition.broadcast()
        condition.unlock()
    }

    /// A seek: readahead restarts from wherever the reader goes next.
    func reset() {
        condition.lock()
        scheduledUntil = 0
        condition.unlock()
    }

    /// The last handle on the file closed: queued ranges are dropped, and fetches under way stop at their next chunk
    /// unless at most `finishedAfterClose` bytes are left of them.
    func stop() {
        condition.lock()
        stopped = true
        ranges.dropQueued()
        landing.removeAll()
        condition.broadcast()
        condition.unlock()
        pool.withdraw(owner: self)
    }

    /// Called with `condition` locked: hands `range` to the pool, which runs it when a fetcher and the budget allow.
    /// Admitted at once, it counts as being fetched from now on (readers may wait for it: it is sure to run);
    /// otherwise it waits in `queued`, where no reader waits for it.
    private func enqueue(_ range: Range<UInt64>) {
        let admitted = pool.submit(length: range.upperBound - range.lowerBound, owner: self) { [self] in run(range) }
        if admitted { ranges.startFetching(range) } else { ranges.queue(range) }
    }

    /// On a fetcher: fetches `submitted` into landing blocks, each handed to the cache writer once full. A range that waited for the budget fetches only
    /// what is still missing when its turn comes.
    private func run(_ submitted: Range<UInt64>) {
        condition.lock()
        let range: Range<UInt64>
        if ranges.takeQueued(submitted) {
            guard !stopped, let missing = stillMissing(submitted) else {
                condition.unlock()
                return
            }
            range = missing
            ranges.startFetching(range)
        } else if ranges.isFetching(submitted) {
            range = submitted
            if stopped {
                // The file closed before the range started: whoever waits for it is woken to fetch for itself.
                finishFetching(range)
                condition.unlock()
                return
            }
        } else {
            condition.unlock() // dropped by `stop` while it waited
            return
        }
        condition.unlock()
        var cursor = range.lowerBound
        var block: LandingBlock?
        // Set once every byte of the range has landed: it stops counting as in flight then, not when this thread
        // next runs, which on a busy machine can be many reads later. A range whose bytes are all here but that
        // still held one of the `depth` places kept readahead from going further, and the reader, passing it,
        // would fetch 32 KiB at a time itself.
        var landedAll = false
        do {
            try fetch(range.lowerBound, range.upperBound - range.lowerBound) { chunk in
                guard let source = chunk.baseAddress else { return }
                var copied = 0
                var full: [LandingBlock] = []
                while copied < chunk.count {
                    if block == nil {
                        let made = LandingBlock(start: cursor,
                                                capacity: Int(LandingBlock.end(from: cursor, limit: range.upperBound) - cursor))
                        condition.lock()
                        // After `stop` nobody reads from memory: the block only goes to the cache.
                        if !stopped { landing.add(made) }
                        condition.unlock()
                        block = made
                    }
                    guard let current = block, let target = current.bytes.baseAddress else { break }
                    // Only this fetcher writes the block, at or past `filled`: the copy runs without the lock.
                    let written = Int(cursor - current.start)
                    let n = min(chunk.count - copied, current.capacity - written)
                    (target + written).copyMemory(from: source + copied, byteCount: n)
                    copied += n
                    cursor += UInt64(n)
                    if written + n == current.capacity {
                        full.append(current)
                        block = nil
                    }
                }
                condition.lock()
                for done in full {
                    done.filled = done.capacity
                    done.handedOver = true
                }
                if let block { block.filled = Int(cursor - block.start) }
                if cursor == range.upperBound, !landedAll {
                    landedAll = true
                    finishFetching(range)
                }
                let isStopped = stopped
                condition.broadcast()
                condition.unlock()
                for done in full { keep(done, count: done.capacity) }
                // The file closed: a fetch with little left runs to its end (its bytes go to the cache, and its
                // connection stays open for the next request: cutting a reply short closes it); a longer one stops.
                if isStopped, range.upperBound - cursor > Self.finishedAfterClose { throw FSError.cancelled }
            }
        } catch {}
        // A fetch that ended early (an error, the file closed) keeps what arrived of its last block.
        let partial = block.map { Int(cursor - $0.start) } ?? 0
        condition.lock()
        if let block {
            block.filled = partial
            block.handedOver = true
            if partial == 0 { landing.remove(block) }
        }
        if !landedAll { finishFetching(range) }
        condition.unlock()
        if let block, partial > 0 { keep(block, count: partial) }
    }

    /// Hands the first `count` bytes of a landed block to the cache writer; once the cache has them the block
    /// leaves memory. When the writer is already `CacheWriteQueue.limit` bytes behind (a slow disk), this fetcher
    /// writes the block itself: the readers already have its bytes, and the fetcher, not they, waits for the disk,
    /// so the memory held for the cache stays bounded. A block the cache does not keep (a full disk, an evicted
    /// object) stays for the readers until they pass it (`readAhead`).
    private func keep(_ block: LandingBlock, count: Int) {
        if !writes.submit(length: UInt64(count), { [self] in writeToCache(block, count: count) }) {
            writeToCache(block, count: count)
        }
    }

    private func writeToCache(_ block: LandingBlock, count: Int) {
        let kept = (try? object.write(at: block.start,
                                      bytes: UnsafeRawBufferPointer(rebasing: block.bytes[0..<count]))) ?? false
        condition.lock()
        if kept { landing.remove(block) } else { block.uncached = true }
        condition.broadcast()
        condition.unlock()
    }

    /// Called with `condition` locked: `range`'s fetch ended; whoever waits for its bytes is woken.
    private func finishFetching(_ range: Range<UInt64>) {
        ranges.finishFetching(range)
        condition.broadcast()
    }

    /// Called with `condition` locked: the part of `range` left to fetch once what the cache holds and what other
    /// fetches under way bring (readers who needed the bytes before the range started) are skipped from its front;
    /// nil if nothing is left.
    private func stillMissing(_ range: Range<UInt64>) -> Range<UInt64>? {
        var start = range.lowerBound
        while start < range.upperBound {
            let cached = presentRun(at: start, max: range.upperBound - start)
            if cached > 0 {
                start += cached
                continue
            }
            guard let covering = ranges.fetchCovering(start) else { break }
            start = covering.upperBound
        }
        return start < range.upperBound ? start..<range.upperBound : nil
    }
}
