import Foundation
@testable import SciencefsStore
import XCTest

final class DataCacheTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = try makeTemporaryDirectory(self)
    }

    private func openCache(capacity: UInt64 = 1 << 30) throws -> DataCache {
        try DataCache(store: try MetadataStore(directory: root), capacityBytes: capacity)
    }

    private static func bytes(_ count: Int, seed: UInt8 = 1) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    @discardableResult
    private static func write(_ object: CachedObject, at offset: UInt64, _ data: [UInt8]) throws -> Bool {
        try data.withUnsafeBytes { try object.write(at: offset, bytes: $0) }
    }

    private static func read(_ object: CachedObject, at offset: UInt64, count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = try buffer.withUnsafeMutableBytes { try object.read(at: offset, into: $0) }
        return Array(buffer[0..<n])
    }

    func testDataDirectoryIsOwnerOnly() throws {
        let cache = try openCache()
        XCTAssertEqual(cache.directory.lastPathComponent, "data")
        XCTAssertEqual(try permissionBits(cache.directory), 0o700)
    }

    func testWrittenRangesMergeAndReadBack() throws {
        let cache = try openCache()
        let object = try cache.object(source: "s", path: "/f", version: "v1")
        let data = Self.bytes(3000)
        try Self.write(object, at: 0, Array(data[0..<1000]))
        try Self.write(object, at: 2000, Array(data[2000..<3000]))
        XCTAssertEqual(object.cachedLength(at: 0, max: 5000), 1000)
        XCTAssertEqual(object.cachedLength(at: 1000, max: 5000), 0)
        XCTAssertEqual(object.cachedLength(at: 2500, max: 5000), 500)
        XCTAssertEqual(cache.usage.bytes, 2000)

        try Self.write(object, at: 500, Array(data[500..<2500]))  // bridges the gap, overlapping both sides
        XCTAssertEqual(object.cachedLength(at: 0, max: 5000), 3000)
        XCTAssertEqual(object.entry.extents.extents.count, 1)
        XCTAssertEqual(cache.usage.bytes, 3000)
        XCTAssertEqual(try Self.read(object, at: 0, count: 3000), data)
        XCTAssertTrue(object.isComplete(size: 3000))
        XCTAssertFalse(object.isComplete(size: 3001))

        let usage = cache.usage
        XCTAssertEqual(usage.capacity, 1 << 30)
        XCTAssertEqual(usage.misses, 1)
        XCTAssertEqual(usage.hits, 3)
    }

    func testExtentsAndBytesSurviveReopen() throws {
        let data = Self.bytes(4096, seed: 7)
        do {
            let cache = try openCache()
            let object = try cache.object(source: "s", path: "/dir/f", version: "10-20")
            try Self.write(object, at: 8192, data)
            try Self.write(object, at: 0, Array(data[0..<100]))
        }
        let cache = try openCache()
        XCTAssertEqual(cache.usage.bytes, 4196)
        let object = try cache.object(source: "s", path: "/dir/f", version: "10-20")
        XCTAssertEqual(object.cachedLength(at: 0, max: .max), 100)
        XCTAssertEqual(object.cachedLength(at: 8192, max: .max), 4096)
        XCTAssertEqual(try Self.read(object, at: 8192, count: 4096), data)
    }

    /// Opening a cold file must not wait for SQLite: the object's row is written with its first extents. An object
    /// opened and never written leaves nothing behind, and ids stay unique across a restart.
    func testOpeningWritesNothingToSQLiteUntilBytesAreCached() throws {
        let store = try MetadataStore(directory: root)
        let rows = { try store.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM cache_objects") ?? -1 } }
        var firstID: Int64 = 0
        do {
            let cache = try DataCache(store: store, capacityBytes: 1 << 30)
            let unread = try cache.object(source: "s", path: "/opened-only", version: "1-1")
            let object = try cache.object(source: "s", path: "/read", version: "1-1")
            XCTAssertEqual(try rows(), 0, "open wrote no row")
            try Self.write(object, at: 0, Self.bytes(4096))
            try cache.flush()
            XCTAssertEqual(try rows(), 1, "the written object has its row; the one only opened has none")
            firstID = object.entry.id
            _ = unread
        }
        let cache = try DataCache(store: store, capacityBytes: 1 << 30)
        XCTAssertEqual(cache.usage.bytes, 4096)
        let later = try cache.object(source: "s", path: "/another", version: "1-1")
        XCTAssertGreaterThan(later.entry.id, firstID, "a written object's id is not given out again after a restart")
        XCTAssertEqual(try cache.object(source: "s", path: "/read", version: "1-1").cachedLength(at: 0, max: .max), 4096)
    }

    func testExtentsWrittenBeforeAnExplicitFlushSurviveWhileHandlesStayOpen() throws {
        let cache = try openCache()
        let object = try cache.object(source: "s", path: "/f", version: "v")
        try Self.write(object, at: 0, Self.bytes(10))
        try cache.flush()
        // A second cache instance on the same database (as after a crash) sees the flushed extent.
        let other = try openCache()
        XCTAssertEqual(other.usage.bytes, 10)
        withExtendedLifetime(object) {}
    }

    func testVersionChangeDiscardsOldBytes() throws {
        let cache = try openCache()
        let old = try cache.object(source: "s", path: "/f", version: "100-1")
        try Self.write(old, at: 0, Self.bytes(100))
        let oldFile = cache.fileURL(old.entry)
        XCTAssertEqual(cache.usage.bytes, 100)

        let new = try cache.object(source: "s", path: "/f", version: "120-2")
        XCTAssertEqual(new.cachedLength(at: 0, max: 100), 0)
        XCTAssertEqual(cache.usage.bytes, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: oldFile.path))
        XCTAssertEqual(old.cachedLength(at: 0, max: 100), 0, "stale handles see nothing cached")
        XCTAssertFalse(try Self.write(old, at: 0, Self.bytes(10)), "stale handles record nothing")
        XCTAssertEqual(cache.usage.bytes, 0)

        // After reopening, the old version is still gone.
        try Self.write(new, at: 0, Self.bytes(120))
        let reopened = try openCache()
        XCTAssertEqual(try reopened.object(source: "s", path: "/f", version: "100-1").cachedLength(at: 0, max: 10), 0)
    }

    func testLeastRecentlyUsedObjectsAreEvictedUnderTheCap() throws {
        let cache = try openCache(capacity: 3000)
        let a = try cache.object(source: "s", path: "/a", version: "1")
        let b = try cache.object(source: "s", path: "/b", version: "1")
        let c = try cache.object(source: "s", path: "/c", version: "1")
        try Self.write(a, at: 0, Self.bytes(1000))
        try Self.write(b, at: 0, Self.bytes(1000))
        try Self.write(c, at: 0, Self.bytes(1000))
        XCTAssertEqual(cache.usage.bytes, 3000)
        let bFile = cache.fileURL(b.entry)

        _ = try cache.object(source: "s", path: "/a", version: "1")   // a is now more recent than b
        let d = try cache.object(source: "s", path: "/d", version: "1")
        XCTAssertTrue(try Self.write(d, at: 0, Self.bytes(1000)))

        XCTAssertEqual(cache.usage.bytes, 3000)
        XCTAssertEqual(b.cachedLength(at: 0, max: 1000), 0, "b was least recently used")
        XCTAssertFalse(FileManager.default.fileExists(atPath: bFile.path))
        XCTAssertEqual(a.cachedLength(at: 0, max: 1000), 1000)
        XCTAssertEqual(c.cachedLength(at: 0, max: 1000), 1000)
        XCTAssertEqual(d.cachedLength(at: 0, max: 1000), 1000)

        // Growing d past the cap evicts the next oldest (c), never d itself.
        try Self.write(d, at: 1000, Self.bytes(1500))
        XCTAssertEqual(c.cachedLength(at: 0, max: 1000), 0)
        XCTAssertEqual(a.cachedLength(at: 0, max: 1000), 0)
        XCTAssertEqual(d.cachedLength(at: 0, max: 5000), 2500)
        XCTAssertLessThanOrEqual(cache.usage.bytes, 3000)

        // The eviction is durable (flush: the handles above are still open, so their extents are not yet written).
        try cache.flush()
        let reopened = try openCache(capacity: 3000)
        XCTAssertEqual(reopened.usage.bytes, 2500)
        XCTAssertEqual(try reopened.object(source: "s", path: "/b", version: "1").cachedLength(at: 0, max: 10), 0)
    }

    func testObjectLargerThanTheWholeCacheIsNotCached() throws {
        let cache = try openCache(capacity: 1000)
        let small = try cache.object(source: "s", path: "/small", version: "1")
        try Self.write(small, at: 0, Self.bytes(500))
        let big = try cache.object(source: "s", path: "/big", version: "1")
        XCTAssertTrue(try Self.write(big, at: 0, Self.bytes(800)))
        XCTAssertFalse(try Self.write(big, at: 800, Self.bytes(800)))
        XCTAssertEqual(big.cachedLength(at: 0, max: .max), 800)
        XCTAssertEqual(cache.usage.bytes, 800)
    }

    func testLoweredCapacityEvictsOnOpen() throws {
        do {
            let cache = try openCache()
            for name in ["/1", "/2", "/3"] {
                try Self.write(try cache.object(source: "s", path: name, version: "v"), at: 0, Self.bytes(1000))
            }
        }
        let cache = try openCache(capacity: 1500)
        XCTAssertEqual(cache.usage.bytes, 1000)
        XCTAssertEqual(try cache.object(source: "s", path: "/3", version: "v").cachedLength(at: 0, max: .max), 1000)
    }

    func testFilesUnknownToTheIndexAreDeletedOnOpen() throws {
        let dataDirectory: URL
        do { dataDirectory = try openCache().directory }
        let stray = dataDirectory.appendingPathComponent("999999")
        XCTAssertTrue(FileManager.default.createFile(atPath: stray.path, contents: Data([1, 2, 3])))
        _ = try openCache()
        XCTAssertFalse(FileManager.default.fileExists(atPath: stray.path))
    }

    func testRecordedExtentsBeyondAShortenedFileAreDropped() throws {
        let file: URL
        do {
            let cache = try openCache()
            let object = try cache.object(source: "s", path: "/f", version: "v")
            try Self.write(object, at: 0, Self.bytes(1000))
            file = cache.fileURL(object.entry)
        }
        XCTAssertEqual(truncate(file.path, 400), 0)
        let cache = try openCache()
        XCTAssertEqual(cache.usage.bytes, 400)
        XCTAssertEqual(try cache.object(source: "s", path: "/f", version: "v").cachedLength(at: 0, max: .max), 400)
    }

    func testRemoveAndRenameFollowPaths() throws {
        let cache = try openCache()
        for path in ["/d/x", "/d/sub/y", "/d2/z", "/e/old"] {
            try Self.write(try cache.object(source: "s", path: path, version: "v"), at: 0, Self.bytes(10))
        }
        try cache.renameObject(source: "s", from: "/d", to: "/e")
        XCTAssertEqual(try cache.object(source: "s", path: "/e/x", version: "v").cachedLength(at: 0, max: 10), 10)
        XCTAssertEqual(try cache.object(source: "s", path: "/e/sub/y", version: "v").cachedLength(at: 0, max: 10), 10)
        XCTAssertEqual(try cache.object(source: "s", path: "/e/old", version: "v").cachedLength(at: 0, max: 10), 0,
                       "the rename replaced the destination")
        XCTAssertEqual(try cache.object(source: "s", path: "/d/x", version: "v").cachedLength(at: 0, max: 10), 0)

        try cache.remove(source: "s", path: "/e")
        XCTAssertEqual(try cache.object(source: "s", path: "/e/sub/y", version: "v").cachedLength(at: 0, max: 10), 0)
        XCTAssertEqual(try cache.object(source: "s", path: "/d2/z", version: "v").cachedLength(at: 0, max: 10), 10)
        XCTAssertEqual(cache.usage.bytes, 10)

        let reopened = try openCache()
        XCTAssertEqual(try reopened.object(source: "s", path: "/d2/z", version: "v").cachedLength(at: 0, max: 10), 10)
        XCTAssertEqual(reopened.usage.bytes, 10)
    }

    func testFullDiskSurfacesAsENOSPCAndRecordsNothing() throws {
        let cache = try openCache()
        let first = try cache.object(source: "s", path: "/f", version: "v")
        // Point the object's file at /dev/full, whose writes fail with ENOSPC like a full disk's.
        let file = cache.fileURL(first.entry)
        try FileManager.default.removeItem(at: file)
        try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: "/dev/full")
        let object = try cache.object(source: "s", path: "/f", version: "v")

        XCTAssertThrowsError(try Self.write(object, at: 0, Self.bytes(4096))) { error in
            XCTAssertEqual((error as? POSIXError)?.code, .ENOSPC)
        }
        XCTAssertEqual(object.cachedLength(at: 0, max: 4096), 0)
        XCTAssertEqual(cache.usage.bytes, 0)
    }

    func testSequentialFillStaysOneExtent() throws {
        let cache = try openCache()
        let object = try cache.object(source: "s", path: "/large", version: "v")
        let chunk = Self.bytes(1 << 20)
        for i in 0..<64 { try Self.write(object, at: UInt64(i) << 20, chunk) }
        XCTAssertEqual(object.entry.extents.extents.count, 1)
        XCTAssertTrue(object.isComplete(size: 64 << 20))
        XCTAssertEqual(cache.usage.bytes, 64 << 20)
        XCTAssertEqual(try Self.read(object, at: 63 << 20, count: 1 << 20), chunk)
    }

    func testConcurrentWritersAndReadersKeepAccountingConsistent() throws {
        let cache = try openCache(capacity: 64 * 4096)
        let objects = try (0..<8).map { try cache.object(source: "s", path: "/f\($0)", version: "v") }
        let errors = LockedCounter()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            let object = objects[worker]
            let block = Self.bytes(4096, seed: UInt8(worker))
            for i in 0..<16 {
                do {
                    try Self.write(object, at: UInt64(i) * 4096, block)
                    _ = object.cachedLength(at: 0, max: .max)
                } catch {
                    errors.increment()
                }
            }
        }
        XCTAssertEqual(errors.value, 0)
        let sum = objects.reduce(UInt64(0)) { $0 + $1.entry.extents.byteCount }
        XCTAssertEqual(cache.usage.bytes, sum)
        XCTAssertLessThanOrEqual(cache.usage.bytes, 64 * 4096)
    }
}
