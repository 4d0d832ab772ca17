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

final class InodeTableTreeTests: XCTestCase {
    private func key(_ path: String) -> NodeKey { NodeKey(source: "agave", path: RemotePath(string: path)) }

    func testForgettingEveryNodeLeavesOnlyTheRoot() {
        var table = InodeTable()
        var inos: [UInt64] = []
        for d in 0..<10 {
            inos.append(table.lookup(key("/d\(d)")))
            for f in 0..<10 { inos.append(table.lookup(key("/d\(d)/f\(f)"))) }
        }
        XCTAssertEqual(table.key(for: inos[1]), key("/d0/f0"))
        XCTAssertEqual(table.ino(for: key("/d3/f4")), inos[3 * 11 + 5])
        // The kernel forgets children before parents, or all at once in any order.
        for ino in inos.reversed() { table.forget(ino, 1) }
        XCTAssertEqual(table.count, 1)
    }

    func testAParentStaysWhileAChildIsHeld() {
        var table = InodeTable()
        let dir = table.lookup(key("/d"))
        let file = table.lookup(key("/d/f"))
        table.forget(dir, 1)
        XCTAssertEqual(table.key(for: file), key("/d/f"), "the child still finds its path")
        XCTAssertEqual(table.ino(for: key("/d")), dir)
        table.forget(file, 1)
        XCTAssertNil(table.ino(for: key("/d")))
    }

    func testRenameOntoAnExistingNodeTakesItsName() {
        var table = InodeTable()
        let a = table.lookup(key("/a"))
        let b = table.lookup(key("/b"))
        table.rekey(key("/a"), to: key("/b"))
        XCTAssertEqual(table.ino(for: key("/b")), a)
        XCTAssertNil(table.key(for: b), "the replaced node has no path any more")
        table.forget(b, 1)
        XCTAssertEqual(table.key(for: a), key("/b"))
    }

    func testAnUnlinkedNodeKeepsItsKeyUntilForgotten() {
        var table = InodeTable()
        let f = table.lookup(key("/d/f"))
        table.unlink(key("/d/f"))
        XCTAssertNil(table.ino(for: key("/d/f")))
        XCTAssertEqual(table.key(for: f), key("/d/f"))
        let again = table.lookup(key("/d/f"))
        XCTAssertNotEqual(again, f, "a new file of the same name is a new inode")
        table.forget(f, 1)
        XCTAssertEqual(table.ino(for: key("/d/f")), again)
    }
}

final class InodeTableCollisionTests: XCTestCase {
    /// Every name hashes alike: the table must still tell names apart through its fallback.
    func testNamesWhoseHashesCollideStayDistinct() {
        var table = InodeTable(hash: { _, _ in 42 })
        let key = { (path: String) in NodeKey(source: "agave", path: RemotePath(string: path)) }
        var inos: [String: UInt64] = [:]
        for name in ["a", "b", "c", "d/e", "d/f"] { inos[name] = table.lookup(key("/" + name)) }
        XCTAssertEqual(Set(inos.values).count, 5)
        for (name, ino) in inos {
            XCTAssertEqual(table.ino(for: key("/" + name)), ino, name)
            XCTAssertEqual(table.key(for: ino), key("/" + name))
        }
        table.forget(inos["a"]!, 1)
        XCTAssertNil(table.ino(for: key("/a")))
        XCTAssertEqual(table.ino(for: key("/b")), inos["b"])
        table.rekey(key("/b"), to: key("/a"))
        XCTAssertEqual(table.ino(for: key("/a")), inos["b"])
        XCTAssertNil(table.ino(for: key("/b")))
        XCTAssertEqual(table.ino(for: key("/d/f")), inos["d/f"])
    }
}
