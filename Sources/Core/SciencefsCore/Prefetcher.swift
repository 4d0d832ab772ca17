import Foundation
import SciencefsStore

/// Background readahead for one version of a file with a data-cache object, shared by every handle reading it
/// (`SharedPrefetchers`): while reads are sequential it keeps several ranged fetches in flight ahead of the
/// readers, each writing into the cache as its bytes arrive, so the network never idles while the kernel is being
/// answered and a read waits only for the bytes it needs. A reader's own fetch of bytes nobody is bringing is
/// claimed here too (`claim`), so concurrent readers of one file (a notebook's data-loader workers) fetch each byte
/// once: whoever comes second waits for the bytes instead of asking for them again.
///
/// Errors are not reported from here: a range whose fetch failed is simply not cached, and the reader's own
/// synchronous fetch of it reports (and logs) the error as before.
///
/// `@unchecked Sendable` because `condition` guards `inFlight`, `scheduledUntil` and `stopped`; the rest is `let`.
/// Lock order (see `VFS`): taken under the handle's `readLock`; under it only `DataCache.lock` (`cachedRun`).
/// The fetch threads call the backend and write the cache with `condition` released.
final class Prefetcher: @unchecked Sendable {
    typealias Fetch = (_ start: UInt64, _ length: UInt64, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void

    private let object: CachedObject
    private let size: UInt64
    private let depth: Int
    private let fetch: Fetch
    private let condition = NSCondition()
    /// Ranges being fetched, as [start, end).
    private var inFlight: [Range<UInt64>] = []
    /// Where the scheduled readahead ends.
    private var scheduledUntil: UInt64 = 0
    private var stopped = false

    init(object: CachedObject, size: UInt64, depth: Int, fetch: @escaping Fetch) {
        self.object = object
        self.size = size
        self.depth = max(1, depth)
        self.fetch = fetch
    }

    /// Whether `offset` is being fetched right now.
    func isInFlight(_ offset: UInt64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return inFlight.contains { $0.contains(offset) }
    }

    /// Waits until `offset` is cached or no fetch covers it any more. Returns true if it is cached.
    func waitForBytes(at offset: UInt64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if object.cachedRun(at: offset, max: 1) > 0 { return true }
            guard inFlight.contains(where: { $0.contains(offset) }) else { return false }
            condition.wait()
        }
    }

    /// After a sequential read ending at `end`: makes sure `[end, end + reach)` is cached or being fetched, at most
    /// `depth` ranges at a time, each a `depth`-th of the reach (at least `minimum`, at most `maximum` bytes), so
    /// a short run asks for little and a long one keeps a few large requests going.
    func readAhead(from end: UInt64, reach: UInt64, minimum: UInt64, maximum: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped, reach > 0 else { return }
        let chunk = min(maximum, max(minimum, reach / UInt64(depth)))
        var start = max(scheduledUntil, end)
        let horizon = min(size, end + reach)
        while start < horizon, inFlight.count < depth {
            let length = min(chunk, size - start)
            // Skip what the cache already has (a second reader, a previous open).
            let cached = object.cachedRun(at: start, max: length)
            if cached < length {
                let range = (start + cached)..<(start + length)
                if !inFlight.contains(where: { $0.overlaps(range) }) { launch(range) }
            }
            start += length
        }
        scheduledUntil = max(scheduledUntil, start)
    }

    /// A reader is about to fetch `range` itself: true (and the range counts as in flight until `unclaim`) unless
    /// a fetch already covers its first byte, in which case the reader waits for that one (`waitForBytes`).
    func claim(_ range: Range<UInt64>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if inFlight.contains(where: { $0.contains(range.lowerBound) }) { return false }
        inFlight.append(range)
        return true
    }

    /// The reader's own fetch of `range` ended (its bytes are cached, or it failed): wakes whoever waits for them.
    func unclaim(_ range: Range<UInt64>) {
        condition.lock()
        if let index = inFlight.firstIndex(of: range) { inFlight.remove(at: index) }
        condition.broadcast()
        condition.unlock()
    }

    /// A seek: readahead restarts from wherever the reader goes next.
    func reset() {
        condition.lock()
        scheduledUntil = 0
        condition.unlock()
    }

    /// The last handle on the file closed: fetches in flight stop at their next chunk.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Called with `condition` locked. A thread of its own, not a dispatch queue: the fetch blocks on the network
    /// while the reader blocks on it, and libdispatch's pool (one thread per core) could leave it waiting for a
    /// thread that only a finished read would free.
    private func launch(_ range: Range<UInt64>) {
        inFlight.append(range)
        let thread = Thread { [self] in
            var cursor = range.lowerBound
            var keep = true
            do {
                try fetch(range.lowerBound, range.upperBound - range.lowerBound) { chunk in
                    condition.lock()
                    let isStopped = stopped
                    condition.unlock()
                    if isStopped { throw FSError.cancelled }
                    if keep {
                        // A full disk or an object too big for the cache: stop keeping bytes; readers fetch themselves.
                        keep = (try? object.write(at: cursor, bytes: chunk)) ?? false
                    }
                    cursor += UInt64(chunk.count)
                    condition.lock()
                    condition.broadcast()
                    condition.unlock()
                    if !keep { throw FSError.cancelled }
                }
            } catch {}
            condition.lock()
            if let index = inFlight.firstIndex(of: range) { inFlight.remove(at: index) }
            if !keep { stopped = true }
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "sciencefs-readahead"
        thread.start()
    }
}
