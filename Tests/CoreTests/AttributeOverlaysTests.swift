import Foundation
import SciencefsStore
import XCTest
@testable import SciencefsCore

final class AttributeOverlaysTests: XCTestCase {
    private let key = NodeKey(source: "agave", path: RemotePath(string: "/d/f.txt"))
    private func server(size: UInt64, mtime: Double, mode: UInt16 = 0o644) -> RemoteAttributes {
        RemoteAttributes(kind: .file, size: size, mtime: Date(timeIntervalSince1970: mtime), permissions: mode)
    }

    func testAnOverlayIsBoundAtTheServersNextAnswerAndDroppedWhenTheObjectChanges() {
        let overlays = AttributeOverlays(store: nil) { XCTFail("\($0)") }
        let t = Timestamp(seconds: 946_684_800, nanoseconds: 5)
        overlays.set(key, mode: 0o600, mtime: t)
        XCTAssertEqual(overlays.current(key)?.mtime, t)
        overlays.observe(key, server: server(size: 10, mtime: 2000))   // binds
        overlays.observe(key, server: server(size: 10, mtime: 2000))   // same object: kept
        XCTAssertEqual(overlays.current(key)?.mode, 0o600)
        overlays.observe(key, server: server(size: 11, mtime: 2000))   // another object: dropped
        XCTAssertNil(overlays.current(key))
    }

    func testAWriteClearsTheMtimeButKeepsTheModeAndAnUploadRebinds() {
        let overlays = AttributeOverlays(store: nil) { XCTFail("\($0)") }
        overlays.set(key, mode: 0o640, mtime: Timestamp(seconds: 1, nanoseconds: 0))
        overlays.observe(key, server: server(size: 1, mtime: 10))
        XCTAssertNotNil(overlays.current(key)?.mtime)
        overlays.clearMtime(key)
        XCTAssertNil(overlays.current(key)?.mtime)
        XCTAssertEqual(overlays.current(key)?.mode, 0o640)
        overlays.observe(key, server: server(size: 99, mtime: 99))       // the upload's new object binds it again
        overlays.unbind(key)
        overlays.observe(key, server: server(size: 5, mtime: 50))
        XCTAssertEqual(overlays.current(key)?.mode, 0o640)
    }

    func testAModeTheServerShowsAnywayNeedsNoRowAndRenamesMoveSubtrees() {
        let overlays = AttributeOverlays(store: nil) { XCTFail("\($0)") }
        overlays.set(key, mode: 0o644, rebind: true)
        overlays.observe(key, server: server(size: 1, mtime: 1, mode: 0o644))
        XCTAssertNil(overlays.current(key))
        let dir = NodeKey(source: "agave", path: RemotePath(string: "/d"))
        overlays.set(key, mode: 0o600)
        overlays.renamed(dir, to: NodeKey(source: "agave", path: RemotePath(string: "/e")))
        XCTAssertNil(overlays.current(key))
        XCTAssertEqual(overlays.current(NodeKey(source: "agave", path: RemotePath(string: "/e/f.txt")))?.mode, 0o600)
        overlays.removed(NodeKey(source: "agave", path: RemotePath(string: "/e")), isDirectory: true)
        XCTAssertNil(overlays.current(NodeKey(source: "agave", path: RemotePath(string: "/e/f.txt"))))
    }
}

final class LogTextTests: XCTestCase {
    func testControlCharactersAreEscapedAndLongTextIsCutWithItsLength() {
        XCTAssertEqual(LogText.escaped("plain name.root"), "plain name.root")
        XCTAssertEqual(LogText.escaped("a\nb\r\tc\u{0}d\u{1B}[31m"), "a\\nb\\r\\tc\\0d\\u{1b}[31m")
        XCTAssertEqual(LogText.escaped("x\u{2028}y\u{202E}z\u{85}"), "x\\u{2028}y\\u{202e}z\\u{85}")
        XCTAssertEqual(LogText.escaped("ünïcode ✓"), "ünïcode ✓")
        let long = String(repeating: "n", count: 2000)
        XCTAssertEqual(LogText.escaped(long), String(repeating: "n", count: 512) + "…[cut: 2000 bytes]")
        XCTAssertFalse(LogText.escaped("line\nforged").contains("\n"))
    }
}
