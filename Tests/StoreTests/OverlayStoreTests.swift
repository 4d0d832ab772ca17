import Foundation
@testable import SciencefsStore
import XCTest

final class OverlayStoreTests: XCTestCase {
    func testOverlaysSurviveReopenAndFollowRenamesAndRemovals() throws {
        let dir = try makeTemporaryDirectory(self)
        let t = Timestamp(seconds: 1_580_702_706, nanoseconds: 123_456_789)
        do {
            let store = try MetadataStore(directory: dir)
            try store.saveOverlay(OverlayRecord(source: "agave", path: "/a/x.csv", mode: 0o600, mtime: t, atime: t,
                                                serverSize: 8, serverMtime: 1000.5))
            try store.saveOverlay(OverlayRecord(source: "agave", path: "/a/sub/y", mode: 0o750))
            try store.saveOverlay(OverlayRecord(source: "agave", path: "/ab", mode: 0o700))
            try store.saveOverlay(OverlayRecord(source: "rucio", path: "/a/x.csv", mode: 0o444))
        }
        let store = try MetadataStore(directory: dir)
        let all = try store.overlays().sorted { ($0.source, $0.path) < ($1.source, $1.path) }
        XCTAssertEqual(all.map(\.path), ["/a/sub/y", "/a/x.csv", "/ab", "/a/x.csv"])
        XCTAssertEqual(all[1], OverlayRecord(source: "agave", path: "/a/x.csv", mode: 0o600, mtime: t, atime: t,
                                             serverSize: 8, serverMtime: 1000.5), "nanoseconds are kept exactly")

        try store.renameOverlays(source: "agave", from: "/a", to: "/b")
        XCTAssertEqual(Set(try store.overlays().filter { $0.source == "agave" }.map(\.path)), ["/b/sub/y", "/b/x.csv", "/ab"],
                       "a sibling sharing the prefix (/ab) does not move")
        try store.removeOverlays(source: "agave", path: "/b")
        XCTAssertEqual(try store.overlays().filter { $0.source == "agave" }.map(\.path), ["/ab"])
        try store.saveOverlay(OverlayRecord(source: "agave", path: "/ab"))
        XCTAssertEqual(try store.overlays().map(\.source), ["rucio"], "an empty record deletes its row")
    }
}
