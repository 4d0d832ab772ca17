import Foundation
import SciencefsStore
import XCTest
@testable import SciencefsCore

final class MetadataCacheTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-meta-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func entries(_ count: Int) -> [RemoteEntry] {
        (0..<count).map { RemoteEntry(name: "f\($0)", attributes: RemoteAttributes(kind: .file, size: UInt64($0))) }
    }

    func testMemoryStaysUnderTheLimitAndTheStoreStillAnswers() throws {
        let store = try MetadataStore(directory: directory)
        let cache = MetadataCache(store: store, memoryLimit: 100) { XCTFail("store error \($0)") }
        let now = Date()
        for d in 0..<5 {
            cache.save(listing: entries(60), of: NodeKey(source: "s", path: RemotePath(["d\(d)"])), now: now)
            XCTAssertLessThanOrEqual(cache.nodesInMemory, 100)
        }
        // Every listing and node comes back, from SQLite when memory no longer has it.
        for d in 0..<5 {
            let dir = NodeKey(source: "s", path: RemotePath(["d\(d)"]))
            XCTAssertEqual(cache.listing(dir, ttl: 60, now: now)?.map(\.name).sorted(), entries(60).map(\.name).sorted())
            XCTAssertEqual(cache.attributes(dir.child("f7"), ttl: 60, now: now)?.size, 7)
            XCTAssertLessThanOrEqual(cache.nodesInMemory, 100)
        }
    }

    func testAListingLargerThanTheLimitIsStillServed() throws {
        let store = try MetadataStore(directory: directory)
        let cache = MetadataCache(store: store, memoryLimit: 10) { XCTFail("store error \($0)") }
        let dir = NodeKey(source: "s", path: RemotePath(["big"]))
        cache.save(listing: entries(50), of: dir, now: Date())
        XCTAssertEqual(cache.nodesInMemory, 0, "over the limit: memory started over")
        XCTAssertEqual(cache.listing(dir, ttl: 60, now: Date())?.count, 50)
    }

    func testAListingLargerThanTheLimitStillDropsWhatItMakesUntrue() throws {
        let store = try MetadataStore(directory: directory)
        let cache = MetadataCache(store: store, memoryLimit: 10) { XCTFail("store error \($0)") }
        let dir = NodeKey(source: "s", path: RemotePath(["big"]))
        let now = Date()
        // f3 changes size in the new listing, f4 does not, f5 was known missing.
        cache.save(attributes: RemoteAttributes(kind: .file, size: 333), for: dir.child("f3"), now: now)
        cache.save(attributes: RemoteAttributes(kind: .file, size: 4), for: dir.child("f4"), now: now)
        cache.save(fact: "replicas of the old f3", of: dir.child("f3"), now: now)
        cache.save(fact: "replicas of f4", of: dir.child("f4"), now: now)
        cache.saveMissing(dir.child("f5"), now: now)

        cache.save(listing: entries(50), of: dir, now: now)

        XCTAssertEqual(cache.nodesInMemory, 0, "over the limit: memory started over")
        XCTAssertNil(cache.fact(String.self, of: dir.child("f3"), ttl: 60, now: now), "f3 changed: its facts went")
        XCTAssertEqual(cache.fact(String.self, of: dir.child("f4"), ttl: 60, now: now), "replicas of f4")
        XCTAssertFalse(cache.isKnownMissing(dir.child("f5"), policy: CachePolicy(), now: now))
        XCTAssertEqual(cache.attributes(dir.child("f3"), ttl: 60, now: now)?.size, 3, "the store has the new listing")
    }
}
