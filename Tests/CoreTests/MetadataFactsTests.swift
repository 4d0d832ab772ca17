import Foundation
import Logging
import SciencefsStore
import XCTest
@testable import SciencefsCore

/// What the Core keeps beside attributes and listings for a backend: its extended attributes and its facts
/// (replica lists), for the attribute TTL and no longer than the node they describe.
final class MetadataFactsTests: VFSTestCase {
    func testExtendedAttributesAreAskedOncePerAttributeTTLAndAgainAfterRefresh() throws {
        let clock = ManualClock()
        let backend = InMemoryBackend(policy: CachePolicy(attributeTTL: 30, listingTTL: 30, negativeTTL: 5))
        backend.put("/d/f", Data("12345".utf8))
        let vfs = try makeVFS(backend, clock: clock)
        let file = try ino(vfs, "mem/d/f")
        // What `getfattr -d` does: the list, then each name.
        for name in try vfs.listxattr(file) { _ = try vfs.getxattr(file, name: name) }
        XCTAssertEqual(String(decoding: try vfs.getxattr(file, name: "user.mem.size"), as: UTF8.self), "5")
        XCTAssertEqual(backend.count("xattrs /d/f"), 1)
        clock.advance(31)
        _ = try vfs.listxattr(file)
        XCTAssertEqual(backend.count("xattrs /d/f"), 2, "expired with the attribute TTL")
        try vfs.setxattr(file, name: "user.sciencefs.refresh", value: Array("1".utf8))
        _ = try vfs.listxattr(file)
        XCTAssertEqual(backend.count("xattrs /d/f"), 3, "dropped by user.sciencefs.refresh")
    }

    func testExtendedAttributesOfAChangedFileAreAskedAgain() throws {
        let clock = ManualClock()
        let backend = InMemoryBackend(policy: CachePolicy(attributeTTL: 5, listingTTL: 5, negativeTTL: 1))
        backend.put("/d/f", Data("12345".utf8))
        let vfs = try makeVFS(backend, clock: clock)
        let file = try ino(vfs, "mem/d/f")
        XCTAssertEqual(String(decoding: try vfs.getxattr(file, name: "user.mem.size"), as: UTF8.self), "5")
        backend.put("/d/f", Data("1234567".utf8))
        clock.advance(6) // the attributes expire: the next stat sees the new size
        XCTAssertEqual(try vfs.getattr(file).size, 7)
        XCTAssertEqual(String(decoding: try vfs.getxattr(file, name: "user.mem.size"), as: UTF8.self), "7")
    }

    func testFactsLiveForTheAttributeTTLAndGoWithTheNode() {
        let cache = MetadataCache(store: nil) { XCTFail("store error \($0)") }
        let now = Date()
        let file = NodeKey(source: "s", path: RemotePath(["ds", "f"]))
        let attributes = RemoteAttributes(kind: .file, size: 3)
        cache.save(attributes: attributes, for: file, now: now)
        cache.save(fact: "replicas of f", of: file, now: now)
        XCTAssertEqual(cache.fact(String.self, of: file, ttl: 60, now: now + 59), "replicas of f")
        XCTAssertNil(cache.fact(String.self, of: file, ttl: 60, now: now + 61), "expired")
        XCTAssertNil(cache.fact(Int.self, of: file, ttl: 60, now: now), "one value per type")

        cache.save(attributes: attributes, for: file, now: now + 1)
        XCTAssertNotNil(cache.fact(String.self, of: file, ttl: 60, now: now + 1), "the same attributes keep them")
        cache.save(attributes: RemoteAttributes(kind: .file, size: 4), for: file, now: now + 2)
        XCTAssertNil(cache.fact(String.self, of: file, ttl: 60, now: now + 2), "a changed file loses them")

        cache.save(fact: "again", of: file, now: now)
        cache.invalidate(NodeKey(source: "s", path: RemotePath(["ds"])))
        XCTAssertNil(cache.fact(String.self, of: file, ttl: 60, now: now), "refresh of a parent drops them")

        cache.save(fact: "again", of: file, now: now)
        cache.removed(file, now: now)
        XCTAssertNil(cache.fact(String.self, of: file, ttl: 60, now: now), "removal drops them")
    }
}
