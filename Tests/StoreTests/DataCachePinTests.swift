import Foundation
@testable import SciencefsStore
import XCTest

/// Pins in the data cache: never evicted, capped by the cache size, kept across a reopen, moved by a rename.
final class DataCachePinTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = try makeTemporaryDirectory(self)
    }

    private func openCache(capacity: UInt64) throws -> DataCache {
        try DataCache(store: try MetadataStore(directory: root), capacityBytes: capacity)
    }

    private static func fill(_ cache: DataCache, _ path: String, _ count: Int) throws {
        let object = try cache.object(source: "s", path: path, version: "v1")
        let data = [UInt8](repeating: 7, count: count)
        XCTAssertTrue(try data.withUnsafeBytes { try object.write(at: 0, bytes: $0) })
    }

    func testAPinnedFileOutlivesEvictionPressureAndAReopen() throws {
        do {
            let cache = try openCache(capacity: 3000)
            try Self.fill(cache, "/pinned", 1000)
            try cache.pin(source: "s", path: "/pinned", size: 1000)
            for index in 0..<5 { try Self.fill(cache, "/other\(index)", 1000) }
            XCTAssertEqual(cache.state(source: "s", path: "/pinned", version: "v1", size: 1000),
                           CachedFileState(bytes: 1000, complete: true, pinned: true))
            XCTAssertEqual(cache.state(source: "s", path: "/other0", version: "v1", size: 1000).bytes, 0, "evicted")
            try cache.flush()
        }
        let reopened = try openCache(capacity: 3000)
        XCTAssertTrue(reopened.isPinned(source: "s", path: "/pinned"))
        XCTAssertEqual(reopened.state(source: "s", path: "/pinned", version: "v1", size: 1000).bytes, 1000)
    }

    func testPinsPastTheCapAreRefusedAndAPinnedFileIsNotEvictedOnRequest() throws {
        let cache = try openCache(capacity: 3000)
        try cache.pin(source: "s", path: "/a", size: 2000)
        XCTAssertThrowsError(try cache.pin(source: "s", path: "/b", size: 1001)) { error in
            XCTAssertEqual(error as? PinRefusal, .overCapacity(pinned: 2000, size: 1001, capacity: 3000))
        }
        XCTAssertFalse(cache.isPinned(source: "s", path: "/b"))
        try cache.pin(source: "s", path: "/b", size: 1000)
        XCTAssertThrowsError(try cache.evict(source: "s", path: "/a")) { XCTAssertEqual($0 as? PinRefusal, .pinned) }
        try cache.unpin(source: "s", path: "/a")
        try cache.evict(source: "s", path: "/a")
        XCTAssertEqual(try MetadataStore(directory: root).cacheListing().map(\.path), ["/b"])
    }

    func testARenameMovesThePinAndADeletionDropsIt() throws {
        let cache = try openCache(capacity: 3000)
        try Self.fill(cache, "/dir/f", 100)
        try cache.pin(source: "s", path: "/dir/f", size: 100)
        try cache.renameObject(source: "s", from: "/dir", to: "/moved")
        XCTAssertTrue(cache.isPinned(source: "s", path: "/moved/f"))
        XCTAssertFalse(cache.isPinned(source: "s", path: "/dir/f"))
        try cache.forgetPins(source: "s", path: "/moved")
        XCTAssertFalse(cache.isPinned(source: "s", path: "/moved/f"))
    }
}
