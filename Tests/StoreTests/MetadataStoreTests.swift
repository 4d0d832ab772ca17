import Foundation
@testable import SciencefsStore
import XCTest

final class MetadataStoreTests: XCTestCase {
    private static func file(_ path: String, size: Int64 = 10, fetchedAt: Double = 100, source: String = "s") -> NodeRecord {
        NodeRecord(source: source, path: path, isDirectory: false, size: size, mtime: 1_700_000_000.5,
                   permissions: 0o644, fetchedAt: fetchedAt)
    }

    private func directory(_ path: String, fetchedAt: Double = 100, source: String = "s") -> NodeRecord {
        NodeRecord(source: source, path: path, isDirectory: true, size: 0, mtime: 1_700_000_000,
                   permissions: 0o755, fetchedAt: fetchedAt)
    }

    func testStoreDirectoryIsCreatedOwnerOnly() throws {
        let dir = try makeTemporaryDirectory(self).appendingPathComponent("nested/store")
        _ = try MetadataStore(directory: dir)
        XCTAssertEqual(try permissionBits(dir), 0o700)
    }

    func testLooseModeOfExistingDirectoryIsTightened() throws {
        let dir = try makeTemporaryDirectory(self).appendingPathComponent("store")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        XCTAssertEqual(try permissionBits(dir), 0o755)
        _ = try MetadataStore(directory: dir)
        XCTAssertEqual(try permissionBits(dir), 0o700)
    }

    func testNodeWithXattrsRoundTrips() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        var node = Self.file("/a/f.root", size: 1 << 40)
        node.xattrs = ["user.rucio.adler32": "0a1b2c3d", "user.note": "ünïcødé \"quoted\""]
        try store.upsertNode(node)
        XCTAssertEqual(try store.node(source: "s", path: "/a/f.root"), node)
        XCTAssertNil(try store.node(source: "other", path: "/a/f.root"))
        XCTAssertNil(try store.node(source: "s", path: "/a"))
    }

    func testInvalidPathsAreRejected() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        for bad in ["", "a/b", "/a/", "/a//b"] {
            XCTAssertThrowsError(try store.upsertNode(Self.file(bad)), bad) { error in
                XCTAssertEqual(error as? StoreError, .invalidPath(bad))
            }
        }
    }

    func testListingWithFetchTimeSurvivesReopen() throws {
        let dir = try makeTemporaryDirectory(self)
        do {
            let store = try MetadataStore(directory: dir)
            XCTAssertNil(try store.listing(source: "s", directory: "/"))
            try store.saveListing(source: "s", directory: "/", entries: [Self.file("/b"), directory("/a")],
                                  fetchedAt: 1234.5)
        }
        let store = try MetadataStore(directory: dir)
        let listing = try XCTUnwrap(try store.listing(source: "s", directory: "/"))
        XCTAssertEqual(listing.fetchedAt, 1234.5)
        XCTAssertEqual(listing.entries, [directory("/a"), Self.file("/b")])
    }

    func testEmptyListingIsDistinctFromNeverListed() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        try store.saveListing(source: "s", directory: "/empty", entries: [], fetchedAt: 7)
        let listing = try XCTUnwrap(try store.listing(source: "s", directory: "/empty"))
        XCTAssertEqual(listing.fetchedAt, 7)
        XCTAssertTrue(listing.entries.isEmpty)
        XCTAssertNil(try store.listing(source: "s", directory: "/never"))
    }

    func testSavingAListingReplacesChildrenAndDropsVanishedSubtrees() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        try store.saveListing(source: "s", directory: "/", entries: [directory("/keep"), directory("/gone"), Self.file("/f")],
                              fetchedAt: 1)
        try store.saveListing(source: "s", directory: "/keep", entries: [Self.file("/keep/x")], fetchedAt: 1)
        try store.saveListing(source: "s", directory: "/gone", entries: [Self.file("/gone/y")], fetchedAt: 1)

        try store.saveListing(source: "s", directory: "/", entries: [directory("/keep"), Self.file("/g")], fetchedAt: 2)

        XCTAssertEqual(try store.listing(source: "s", directory: "/")?.entries.map(\.path), ["/g", "/keep"])
        XCTAssertEqual(try store.listing(source: "s", directory: "/keep")?.entries.map(\.path), ["/keep/x"])
        XCTAssertNil(try store.listing(source: "s", directory: "/gone"))
        XCTAssertNil(try store.node(source: "s", path: "/gone/y"))
        XCTAssertNil(try store.node(source: "s", path: "/f"))
    }

    func testListingEntriesMustBeDirectChildren() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        XCTAssertThrowsError(try store.saveListing(source: "s", directory: "/a", entries: [Self.file("/b/c")], fetchedAt: 1)) {
            XCTAssertEqual($0 as? StoreError, .entryOutsideDirectory(entry: "/b/c", directory: "/a"))
        }
        XCTAssertNil(try store.listing(source: "s", directory: "/a"))
    }

    func testUpsertedChildAppearsInParentListing() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        try store.saveListing(source: "s", directory: "/d", entries: [Self.file("/d/a")], fetchedAt: 5)
        try store.upsertNode(Self.file("/d/new"))
        let listing = try XCTUnwrap(try store.listing(source: "s", directory: "/d"))
        XCTAssertEqual(listing.entries.map(\.path), ["/d/a", "/d/new"])
        XCTAssertEqual(listing.fetchedAt, 5)
    }

    /// A 10,000-entry listing round-trips whole, and saving it again (a refresh) replaces it rather than adding to it.
    /// How fast this is belongs to the benchmark (`ls -l` rows), not here.
    func testTenThousandEntryListingRoundTripsAndIsReplacedWhole() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        let entries = (0..<10_000).map { i in
            NodeRecord(source: "s", path: "/big/file-\(String(format: "%05d", i)).dat", isDirectory: false,
                       size: Int64(i), mtime: 1_700_000_000 + Double(i), permissions: 0o644,
                       xattrs: i % 2 == 0 ? ["user.rucio.adler32": "\(i)", "user.rucio.scope": "user.alice"] : [:],
                       fetchedAt: 99)
        }
        try store.saveListing(source: "s", directory: "/big", entries: entries, fetchedAt: 99)
        XCTAssertEqual(try XCTUnwrap(try store.listing(source: "s", directory: "/big")).entries, entries)

        let fewer = Array(entries.prefix(5_000))
        try store.saveListing(source: "s", directory: "/big", entries: fewer, fetchedAt: 100)
        XCTAssertEqual(try XCTUnwrap(try store.listing(source: "s", directory: "/big")).entries, fewer,
                       "the refreshed listing replaced the old one")
    }

    func testRemoveNodeDropsSubtreeAndMarksParentListingStale() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        try store.saveListing(source: "s", directory: "/", entries: [directory("/d"), directory("/d2"), Self.file("/f")],
                              fetchedAt: 10)
        try store.saveListing(source: "s", directory: "/d", entries: [directory("/d/sub"), Self.file("/d/x")], fetchedAt: 10)
        try store.saveListing(source: "s", directory: "/d/sub", entries: [Self.file("/d/sub/y")], fetchedAt: 10)
        try store.saveListing(source: "s", directory: "/d2", entries: [Self.file("/d2/z")], fetchedAt: 10)
        try store.upsertNode(Self.file("/d/x", source: "other"))

        try store.removeNode(source: "s", path: "/d")

        let root = try XCTUnwrap(try store.listing(source: "s", directory: "/"))
        XCTAssertEqual(root.fetchedAt, 0, "parent listing is marked stale")
        XCTAssertEqual(root.entries.map(\.path), ["/d2", "/f"])
        for gone in ["/d", "/d/sub", "/d/x", "/d/sub/y"] { XCTAssertNil(try store.node(source: "s", path: gone), gone) }
        XCTAssertNil(try store.listing(source: "s", directory: "/d"))
        XCTAssertNil(try store.listing(source: "s", directory: "/d/sub"))
        // A sibling whose name shares the prefix, and other sources, are untouched.
        XCTAssertEqual(try store.listing(source: "s", directory: "/d2")?.entries.map(\.path), ["/d2/z"])
        XCTAssertNotNil(try store.node(source: "other", path: "/d/x"))
    }

    func testInvalidateDropsSubtreeButKeepsTheNodeStaleInItsParent() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        try store.saveListing(source: "s", directory: "/", entries: [directory("/d")], fetchedAt: 10)
        try store.saveListing(source: "s", directory: "/d", entries: [directory("/d/sub")], fetchedAt: 10)
        try store.saveListing(source: "s", directory: "/d/sub", entries: [Self.file("/d/sub/y")], fetchedAt: 10)

        try store.invalidate(source: "s", path: "/d")

        XCTAssertEqual(try store.node(source: "s", path: "/d")?.fetchedAt, 0)
        XCTAssertNil(try store.listing(source: "s", directory: "/d"))
        XCTAssertNil(try store.listing(source: "s", directory: "/d/sub"))
        XCTAssertNil(try store.node(source: "s", path: "/d/sub/y"))
        XCTAssertEqual(try store.listing(source: "s", directory: "/")?.entries.map(\.path), ["/d"])
        XCTAssertEqual(try store.listing(source: "s", directory: "/")?.fetchedAt, 10)

        try store.invalidate(source: "s", path: "/")
        XCTAssertNil(try store.listing(source: "s", directory: "/"))
        XCTAssertNil(try store.node(source: "s", path: "/d"))
    }

    func testRenameSubtreeMovesRowsAndListingsAndReplacesDestination() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        try store.saveListing(source: "s", directory: "/", entries: [directory("/a"), directory("/b")], fetchedAt: 10)
        try store.saveListing(source: "s", directory: "/a", entries: [directory("/a/sub"), Self.file("/a/f")], fetchedAt: 11)
        try store.saveListing(source: "s", directory: "/a/sub", entries: [Self.file("/a/sub/g")], fetchedAt: 12)
        try store.saveListing(source: "s", directory: "/b", entries: [directory("/b/c")], fetchedAt: 13)
        try store.saveListing(source: "s", directory: "/b/c", entries: [Self.file("/b/c/old")], fetchedAt: 14)

        try store.renameSubtree(source: "s", from: "/a", to: "/b/c")

        XCTAssertNil(try store.node(source: "s", path: "/a"))
        XCTAssertNil(try store.listing(source: "s", directory: "/a"))
        XCTAssertNil(try store.node(source: "s", path: "/b/c/old"), "destination contents are replaced")
        XCTAssertEqual(try store.listing(source: "s", directory: "/")?.entries.map(\.path), ["/b"])
        XCTAssertEqual(try store.listing(source: "s", directory: "/b")?.entries.map(\.path), ["/b/c"])
        let moved = try XCTUnwrap(try store.listing(source: "s", directory: "/b/c"))
        XCTAssertEqual(moved.fetchedAt, 11)
        XCTAssertEqual(moved.entries.map(\.path), ["/b/c/f", "/b/c/sub"])
        let deep = try XCTUnwrap(try store.listing(source: "s", directory: "/b/c/sub"))
        XCTAssertEqual(deep.fetchedAt, 12)
        XCTAssertEqual(deep.entries.map(\.path), ["/b/c/sub/g"])
        XCTAssertTrue(try XCTUnwrap(try store.node(source: "s", path: "/b/c")).isDirectory)
    }

    func testRenameOfAFileKeepsItsAttributes() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        try store.saveListing(source: "s", directory: "/", entries: [Self.file("/x", size: 77)], fetchedAt: 10)
        try store.renameSubtree(source: "s", from: "/x", to: "/y")
        XCTAssertEqual(try store.node(source: "s", path: "/y")?.size, 77)
        XCTAssertEqual(try store.listing(source: "s", directory: "/")?.entries.map(\.path), ["/y"])
    }

    func testRenameIntoOwnSubtreeIsRejected() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        try store.upsertNode(directory("/a"))
        XCTAssertThrowsError(try store.renameSubtree(source: "s", from: "/a", to: "/a/b"))
        XCTAssertThrowsError(try store.renameSubtree(source: "s", from: "/a/b", to: "/a"))
        XCTAssertThrowsError(try store.renameSubtree(source: "s", from: "/", to: "/z"))
        XCTAssertNotNil(try store.node(source: "s", path: "/a"))
    }

    func testNamesWithLikeWildcardsAndCaseDifferencesStayOutOfSubtrees() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        try store.saveListing(source: "s", directory: "/", entries: [directory("/a_b"), directory("/A_B"), directory("/a%b")],
                              fetchedAt: 1)
        for dir in ["/a_b", "/A_B", "/a%b"] {
            try store.saveListing(source: "s", directory: dir, entries: [Self.file(dir + "/f")], fetchedAt: 1)
        }
        try store.removeNode(source: "s", path: "/a_b")
        XCTAssertNil(try store.node(source: "s", path: "/a_b/f"))
        XCTAssertNotNil(try store.node(source: "s", path: "/A_B/f"))
        XCTAssertNotNil(try store.node(source: "s", path: "/a%b/f"))
    }

    func testConcurrentReadersAndWriterDoNotConflict() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        try store.saveListing(source: "s", directory: "/", entries: [Self.file("/f")], fetchedAt: 1)
        let failures = LockedCounter()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in 0..<50 {
                do {
                    if worker == 0 {
                        try store.upsertNode(Self.file("/w\(i)"))
                    } else if try store.listing(source: "s", directory: "/") == nil {
                        failures.increment()
                    }
                } catch {
                    failures.increment()
                }
            }
        }
        XCTAssertEqual(failures.value, 0)
        XCTAssertEqual(try store.listing(source: "s", directory: "/")?.entries.count, 51)
    }
}

/// A counter safe to bump from concurrentPerform workers.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
