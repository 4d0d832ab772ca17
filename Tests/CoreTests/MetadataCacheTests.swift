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
}
