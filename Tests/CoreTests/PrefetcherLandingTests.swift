import Foundation
import SciencefsStore
import Synchronization
import XCTest
@testable import SciencefsCore

/// Readahead's bytes reach the reader before the cache file: a held-up or refusing cache writer never keeps a
/// reader from bytes that arrived. No test measures time; waits are bounded only so that a hang fails.
final class PrefetcherLandingTests: XCTestCase {
    private static let hang: TimeInterval = 30

    /// The landed bytes a read at `offset` is answered with (copied into `buffer`); 0 when it would be answered
    /// otherwise (a fetch it would claim is given back at once).
    private func landed(_ prefetcher: Prefetcher, at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        switch prefetcher.nextStep(at: offset, into: buffer, fetchLength: { UInt64(buffer.count) }) {
        case .copied(let count): return count
        case .cached: return 0
        case .fetch(let claimed):
            prefetcher.unclaim(claimed)
            return 0
        }
    }

    /// A job that holds the cache writer's thread until released.
    private final class HeldWriter: Sendable {
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)

        var body: @Sendable () -> Void {
            { [self] in
                started.signal()
                release.wait()
            }
        }
    }

    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-landing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    private static func content(_ size: Int) -> Data {
        Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) })
    }

    private func prefetcher(_ object: CachedObject, content: Data, writes: CacheWriteQueue) -> Prefetcher {
        Prefetcher(object: object, size: UInt64(content.count), depth: 2, pool: ReadaheadPool(budget: 8 << 20, fetchers: 2),
                   writes: writes) { start, length, sink in
            // Delivered in pieces that do not line up with the 1 MiB blocks.
            var position = Int(start)
            let end = Int(start + length)
            while position < end {
                let piece = min(100_000, end - position)
                try content[position..<(position + piece)].withUnsafeBytes { try sink($0) }
                position += piece
            }
        }
    }

    /// A cached object for `path` and a cache writer of `limit` bytes whose thread is held (released by the
    /// returned `HeldWriter`), with one byte of the limit taken by the held job.
    private func heldUpCache(_ path: String, writerLimit limit: UInt64) throws
        -> (object: CachedObject, writes: CacheWriteQueue, held: HeldWriter) {
        let cache = try DataCache(store: try MetadataStore(directory: directory), capacityBytes: 64 << 20)
        let object = try cache.object(source: "mem", path: path, version: "1")
        let writes = CacheWriteQueue(limit: limit)
        let held = HeldWriter()
        XCTAssertTrue(writes.submit(length: 1, held.body))
        XCTAssertEqual(held.started.wait(timeout: .now() + .seconds(30)), .success)
        return (object, writes, held)
    }

    private func waitUntil(_ what: String, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(Self.hang)
        while !condition() {
            if Date() >= deadline {
                XCTFail("never happened: \(what)")
                return
            }
            usleep(1000)
        }
    }

    func testReadersGetTheBytesWhileTheCacheWriterIsHeldUp() throws {
        let (object, writes, held) = try heldUpCache("/slow-disk", writerLimit: 64 << 20)
        let content = Self.content(2 << 20)
        let prefetcher = prefetcher(object, content: content, writes: writes)
        defer { prefetcher.stop() }

        prefetcher.readAhead(from: 0, reach: 2 << 20, minimum: 1 << 20, maximum: 1 << 20)
        for start in [0, 1 << 20] {
            let range = UInt64(start)..<UInt64(start + (1 << 20))
            guard case .landed(let bytes) = prefetcher.awaitBytes(range) else {
                XCTFail("the aligned 1 MiB read at \(start) is not answered from memory")
                continue
            }
            XCTAssertEqual(bytes.withUnsafeBytes { Data($0) }, content[start..<(start + (1 << 20))])
        }
        XCTAssertEqual(object.cachedRun(at: 0, max: 2 << 20), 0, "the cache file has none of it yet")
        // A read that straddles two blocks is copied from both.
        var buffer = [UInt8](repeating: 0, count: 300_000)
        var copied = 0
        while copied < buffer.count {
            let n = buffer.withUnsafeMutableBytes {
                landed(prefetcher, at: UInt64((1 << 20) - 150_000 + copied),
                       into: UnsafeMutableRawBufferPointer(rebasing: $0[copied...]))
            }
            XCTAssertGreaterThan(n, 0)
            if n == 0 { break }
            copied += n
        }
        XCTAssertEqual(Data(buffer), content[((1 << 20) - 150_000)..<((1 << 20) + 150_000)])

        held.release.signal()
        waitUntil("the cache file has every byte") { object.cachedRun(at: 0, max: 2 << 20) == 2 << 20 }
        var cached = [UInt8](repeating: 0, count: 2 << 20)
        XCTAssertEqual(try cached.withUnsafeMutableBytes { try object.read(at: 0, into: $0) }, 2 << 20)
        XCTAssertEqual(Data(cached), content)
    }

    func testTheReadThatReachesTheEndWaitsForTheCacheFile() throws {
        let (object, writes, held) = try heldUpCache("/end", writerLimit: 64 << 20)
        let content = Self.content(2 << 20)
        let prefetcher = prefetcher(object, content: content, writes: writes)
        defer { prefetcher.stop() }
        prefetcher.readAhead(from: 0, reach: 2 << 20, minimum: 1 << 20, maximum: 1 << 20)
        let last = UInt64(1 << 20)..<UInt64(2 << 20)
        guard case .landed = prefetcher.awaitBytes(last) else { return XCTFail("the last block did not land") }

        let answered = Atomic<Bool>(false)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            if case .cached = prefetcher.awaitBytes(last, fromMemory: false) { answered.store(true, ordering: .sequentiallyConsistent) }
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + .milliseconds(200)), .timedOut,
                       "the last read waits while its bytes are on their way to the cache file")
        held.release.signal()
        XCTAssertEqual(done.wait(timeout: .now() + .seconds(30)), .success)
        XCTAssertTrue(answered.load(ordering: .sequentiallyConsistent), "then it is answered from the complete cache file")
        XCTAssertTrue(object.isComplete(size: UInt64(content.count)))
    }

    func testBlocksTheCacheCannotTakeStayForTheReaderUntilItPassesThem() throws {
        // A cache of 1 MiB: it takes one block of a 2 MiB file, whichever is written first, and refuses the other
        // (the object would outgrow it), as a full disk refuses bytes.
        let cache = try DataCache(store: try MetadataStore(directory: directory), capacityBytes: 1 << 20)
        let object = try cache.object(source: "mem", path: "/no-room", version: "1")
        let content = Self.content(2 << 20)
        let prefetcher = prefetcher(object, content: content, writes: CacheWriteQueue(limit: 64 << 20))
        defer { prefetcher.stop() }

        prefetcher.readAhead(from: 0, reach: 2 << 20, minimum: 1 << 20, maximum: 1 << 20)
        func cached(_ start: UInt64) -> Bool { object.cachedRun(at: start, max: 1 << 20) == 1 << 20 }
        waitUntil("the cache took one block") { cached(0) || cached(1 << 20) }
        let refused: UInt64 = cached(0) ? 1 << 20 : 0
        guard case .landed(let bytes) = prefetcher.awaitBytes(refused..<(refused + (1 << 20))) else {
            return XCTFail("the block the cache refuses is not kept for the reader")
        }
        XCTAssertEqual(bytes.withUnsafeBytes { Data($0) }, content[Int(refused)..<Int(refused + (1 << 20))])
        XCTAssertFalse(cached(refused), "the cache never takes the other block")

        // Still there while the reader is before it, gone once it has passed it (and its write was refused).
        var probe = [UInt8](repeating: 0, count: 16)
        prefetcher.readAhead(from: refused, reach: 0, minimum: 1 << 20, maximum: 1 << 20)
        XCTAssertEqual(probe.withUnsafeMutableBytes { landed(prefetcher, at: refused, into: $0) }, 16)
        waitUntil("the passed block left memory") {
            prefetcher.readAhead(from: refused + (1 << 20), reach: 0, minimum: 1 << 20, maximum: 1 << 20)
            return probe.withUnsafeMutableBytes { landed(prefetcher, at: refused, into: $0) } == 0
        }
        XCTAssertFalse(cached(refused))
    }

    func testAFetcherWritesItsBlockItselfWhenTheCacheWriterIsTooFarBehind() throws {
        // The writer's queue is full (a held job of its whole size): the fetcher writes the blocks itself.
        let (object, writes, held) = try heldUpCache("/behind", writerLimit: 1)
        defer { held.release.signal() }
        let content = Self.content(2 << 20)
        let prefetcher = prefetcher(object, content: content, writes: writes)
        defer { prefetcher.stop() }

        prefetcher.readAhead(from: 0, reach: 2 << 20, minimum: 1 << 20, maximum: 1 << 20)
        waitUntil("the fetchers cached both blocks") { object.cachedRun(at: 0, max: 2 << 20) == 2 << 20 }
        XCTAssertEqual(writes.backlog, 1, "nothing more waits for the held writer")
        var cached = [UInt8](repeating: 0, count: 2 << 20)
        XCTAssertEqual(try cached.withUnsafeMutableBytes { try object.read(at: 0, into: $0) }, 2 << 20)
        XCTAssertEqual(Data(cached), content)
    }
}
