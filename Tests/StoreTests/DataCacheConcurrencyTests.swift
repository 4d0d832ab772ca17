import Foundation
import GRDB
@testable import SciencefsStore
import XCTest

/// The data cache under many threads (per-object locks, eviction) and its background extent writer.
final class DataCacheConcurrencyTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = try makeTemporaryDirectory(self)
    }

    /// The byte every object holds at `offset`: readers can check any run they find cached.
    private static func byte(object: Int, at offset: UInt64) -> UInt8 {
        UInt8(truncatingIfNeeded: offset &* 131 &+ offset >> 8 &+ UInt64(object) &* 17)
    }

    private static func expected(object: Int, at offset: UInt64, count: Int) -> [UInt8] {
        (0..<UInt64(count)).map { byte(object: object, at: offset + $0) }
    }

    private static let blockSize = 16 << 10
    private static let blocksPerObject = 16
    private static let objectCount = 12

    /// Writes one block of `object` through `handle`; a refusal (the object was evicted meanwhile) is not an error.
    private static func writeBlock(_ handle: CachedObject, object: Int, block: Int) throws {
        let offset = UInt64(block * blockSize)
        let data = expected(object: object, at: offset, count: blockSize)
        _ = try data.withUnsafeBytes { try handle.write(at: offset, bytes: $0) }
    }

    /// Reads whatever run is cached at `offset` and returns the bytes that differ from the object's.
    private static func wrongBytes(_ handle: CachedObject, object: Int, at offset: UInt64,
                                   max: UInt64 = UInt64(2 * blockSize)) throws -> Int {
        let run = handle.cachedLength(at: offset, max: max)
        if run == 0 { return 0 }
        var buffer = [UInt8](repeating: 0, count: Int(run))
        let n = try buffer.withUnsafeMutableBytes { try handle.read(at: offset, into: $0) }
        if n != Int(run) { return Int(run) - n }
        let want = expected(object: object, at: offset, count: n)
        return zip(buffer, want).filter { $0 != $1 }.count
    }

    func testManyThreadsReadAndWriteSeveralObjectsWhileEvictionRuns() throws {
        let objectBytes = UInt64(Self.blockSize * Self.blocksPerObject)
        // Room for about a third of the objects: writes keep evicting the least recently used ones.
        let capacity = objectBytes * 4
        let wrong = LockedCounter()
        let failures = LockedCounter()
        let objectIDs = LockedIDs()
        do {
            let cache = try DataCache(store: try MetadataStore(directory: root), capacityBytes: capacity)
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                var generator = SystemRandomNumberGenerator()
                for step in 0..<120 {
                    let object = (worker + step * 5) % Self.objectCount
                    do {
                        // Reopening marks the object used and may replace an evicted one under the same key.
                        let handle = try cache.object(source: "s", path: "/f\(object)", version: "v")
                        objectIDs.insert(handle.entry.id)
                        let block = Int.random(in: 0..<Self.blocksPerObject, using: &generator)
                        try Self.writeBlock(handle, object: object, block: block)
                        for _ in 0..<3 {
                            let offset = UInt64.random(in: 0..<objectBytes, using: &generator)
                            let bad = try Self.wrongBytes(handle, object: object, at: offset)
                            if bad > 0 { wrong.increment() }
                        }
                    } catch {
                        failures.increment()
                    }
                }
            }
            XCTAssertEqual(failures.value, 0)
            XCTAssertEqual(wrong.value, 0, "every cached run read back the bytes written there")

            // Quiet now: one more write evicts down to the cap, and the total matches the live objects' extents.
            let last = try cache.object(source: "s", path: "/f0", version: "v")
            try Self.writeBlock(last, object: 0, block: 0)
            XCTAssertLessThanOrEqual(cache.usage.bytes, capacity)
            let live = cache.locked { Array(cache.entries.values) }
            XCTAssertEqual(cache.usage.bytes, live.reduce(UInt64(0)) { $0 + $1.extents.byteCount })
            XCTAssertGreaterThan(objectIDs.count, Self.objectCount, "evicted objects were opened anew under new ids")
        }

        // After a restart every recorded extent still holds the object's bytes: nothing unwritten is claimed.
        let cache = try DataCache(store: try MetadataStore(directory: root), capacityBytes: capacity)
        var seen: UInt64 = 0
        for object in 0..<Self.objectCount {
            let handle = try cache.object(source: "s", path: "/f\(object)", version: "v")
            var offset: UInt64 = 0
            while offset < objectBytes {
                let run = handle.cachedRun(at: offset, max: objectBytes - offset)
                // Writes are whole aligned blocks, so a block not cached at its start is not cached at all.
                if run == 0 { offset += UInt64(Self.blockSize); continue }
                XCTAssertEqual(try Self.wrongBytes(handle, object: object, at: offset, max: run), 0,
                               "object \(object) at \(offset)")
                seen += run
                offset += run
            }
        }
        XCTAssertGreaterThan(seen, 0)
        XCTAssertEqual(seen, cache.usage.bytes)
    }

    /// A batch that becomes due while bytes are written reaches SQLite from the cache's own writer: nobody calls
    /// `flush()` and the handles stay open.
    func testDueBatchesReachSQLiteWithoutAFlush() throws {
        let store = try MetadataStore(directory: root)
        let cache = try DataCache(store: store, capacityBytes: 1 << 30)
        let recorded = { (path: String) throws -> Int64 in
            try store.database.read { db in
                try Int64.fetchOne(db, sql: #"""
                    SELECT COALESCE(SUM(e."end" - e.start), 0) FROM cache_extents e
                    JOIN cache_objects o ON o.id = e.objectId WHERE o.path = ?
                    """#, arguments: [path]) ?? 0
            }
        }

        // More than a batch of bytes: the writer is asked at once.
        let big = try cache.object(source: "s", path: "/big", version: "v")
        let chunk = [UInt8](repeating: 7, count: 1 << 20)
        for i in 0..<Int(DataCache.flushBytes >> 20) + 2 {
            _ = try chunk.withUnsafeBytes { try big.write(at: UInt64(i) << 20, bytes: $0) }
        }
        XCTAssertTrue(try poll { try recorded("/big") >= Int64(DataCache.flushBytes) },
                      "the byte batch reached SQLite")

        // A few bytes only: the writer writes them out after the interval.
        let small = try cache.object(source: "s", path: "/small", version: "v")
        _ = try [UInt8](repeating: 1, count: 10).withUnsafeBytes { try small.write(at: 0, bytes: $0) }
        XCTAssertTrue(try poll { try recorded("/small") == 10 }, "the timed batch reached SQLite")
        withExtendedLifetime((big, small)) {}
    }

    /// Each cache's writer thread ends with the cache, also when the cache goes while a round is due.
    func testWriterThreadEndsWithTheCache() throws {
        var writers: [ExtentWriter] = []
        for size in [100, Int(DataCache.flushBytes) + 1] {
            let cache = try DataCache(store: try MetadataStore(directory: root), capacityBytes: 1 << 30)
            let object = try cache.object(source: "s", path: "/f", version: "v")
            _ = try [UInt8](repeating: 1, count: size).withUnsafeBytes { try object.write(at: 0, bytes: $0) }
            XCTAssertTrue(cache.writer.isRunning)
            writers.append(cache.writer)
        }
        XCTAssertEqual(writers.filter(\.isRunning).count, 0, "no writer thread is left behind")
        let reopened = try DataCache(store: try MetadataStore(directory: root), capacityBytes: 1 << 30)
        XCTAssertEqual(reopened.usage.bytes, DataCache.flushBytes + 1, "the last cache's extents were written out")
    }

    /// Object ids seen by the workers.
    private final class LockedIDs: @unchecked Sendable {
        private let lock = NSLock()
        private var ids = Set<Int64>()
        func insert(_ id: Int64) { lock.withLock { _ = ids.insert(id) } }
        var count: Int { lock.withLock { ids.count } }
    }

    /// Polls `condition` every 50 ms for up to 30 s (a bound on a hang, not a timing assertion).
    private func poll(_ condition: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }
}
