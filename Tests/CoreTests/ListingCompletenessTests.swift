import Foundation
import Logging
import SciencefsStore
import XCTest
@testable import SciencefsCore

/// When a fresh listing may stand for "absent": only when the backend says it shows every name.
final class ListingCompletenessTests: VFSTestCase {
    func testANameAnIncompleteListingLeavesOutIsStillFoundAndATrueMissIsRemembered() throws {
        let backend = InMemoryBackend()
        backend.put("/scope/top", Data("t".utf8))
        backend.put("/scope/inner", Data("inner".utf8))
        backend.unlisted = ["/scope/inner"]
        let vfs = try makeVFS(backend, clock: ManualClock())
        let scope = try ino(vfs, "mem/scope")
        XCTAssertEqual(try vfs.readdir(scope).map(\.name), ["top"])
        XCTAssertEqual(try vfs.lookup(parent: scope, name: "inner").size, 5, "reachable by name, right after the listing")
        XCTAssertThrowsError(try vfs.lookup(parent: scope, name: "nothing")) { XCTAssertEqual($0 as? FSError, .notFound) }
        XCTAssertThrowsError(try vfs.lookup(parent: scope, name: "nothing")) { XCTAssertEqual($0 as? FSError, .notFound) }
        XCTAssertEqual(backend.count("stat /scope/nothing"), 1, "the server's ENOENT is kept as a negative entry")
    }

    func testACompleteListingStillAnswersAbsentNamesWithoutAsking() throws {
        let backend = InMemoryBackend()
        backend.put("/d/a", Data("a".utf8))
        let vfs = try makeVFS(backend, clock: ManualClock())
        let dir = try ino(vfs, "mem/d")
        _ = try vfs.readdir(dir)
        XCTAssertThrowsError(try vfs.lookup(parent: dir, name: "b")) { XCTAssertEqual($0 as? FSError, .notFound) }
        XCTAssertEqual(backend.count("stat /d/b"), 0)
    }
}
