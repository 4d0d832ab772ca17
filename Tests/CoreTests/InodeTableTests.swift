import XCTest
@testable import SciencefsCore

final class InodeTableTests: XCTestCase {
    private let file = NodeKey(source: "agave", path: RemotePath(string: "/systems/s1/a.txt"))

    func testInodeLivesUntilEveryLookupIsForgotten() {
        var table = InodeTable()
        let ino = table.lookup(file)
        XCTAssertEqual(table.lookup(file), ino, "the same node keeps its number")
        XCTAssertEqual(table.lookupCount(ino), 2)
        table.forget(ino, 1)
        XCTAssertEqual(table.key(for: ino), file)
        table.forget(ino, 1)
        XCTAssertNil(table.key(for: ino))
        XCTAssertNotEqual(table.lookup(file), ino, "a forgotten number is not reused for a new lookup")
    }

    func testRootIsNeverForgotten() {
        var table = InodeTable()
        table.forget(InodeTable.rootIno, 100)
        XCTAssertEqual(table.key(for: InodeTable.rootIno), .mountRoot)
    }

    func testRenameKeepsNumbersOfTheSubtree() {
        var table = InodeTable()
        let dir = NodeKey(source: "agave", path: RemotePath(string: "/systems/s1/d"))
        let child = dir.child("f")
        let dirIno = table.lookup(dir)
        let childIno = table.lookup(child)
        let target = NodeKey(source: "agave", path: RemotePath(string: "/systems/s1/e"))
        table.rekey(dir, to: target)
        XCTAssertEqual(table.ino(for: target), dirIno)
        XCTAssertEqual(table.ino(for: target.child("f")), childIno)
        XCTAssertNil(table.ino(for: dir))
        XCTAssertEqual(table.key(for: childIno), target.child("f"))
    }

    func testNodeKeyParentsAndContainment() {
        XCTAssertEqual(file.parent.parent.parent, NodeKey(source: "agave", path: .root))
        XCTAssertEqual(NodeKey(source: "agave", path: .root).parent, .mountRoot)
        XCTAssertTrue(file.isWithin(NodeKey(source: "agave", path: RemotePath(string: "/systems"))))
        XCTAssertFalse(file.isWithin(NodeKey(source: "rucio", path: .root)))
        XCTAssertFalse(NodeKey(source: "agave", path: RemotePath(string: "/systemsX")).isWithin(
            NodeKey(source: "agave", path: RemotePath(string: "/systems"))))
    }
}
