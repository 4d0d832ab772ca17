import Foundation
import XCTest
@testable import JDMABackend
import SciencefsCore

/// Batch directory names (`BatchNaming`) and batch trees (`BatchTree`).
final class BatchNamespaceTests: XCTestCase {
    func testLegalNames() {
        XCTAssertEqual(BatchNaming.legalName(label: "run/1", batchID: 3), "run_1")
        XCTAssertEqual(BatchNaming.legalName(label: "", batchID: 3), "batch-3")
        XCTAssertEqual(BatchNaming.legalName(label: "..", batchID: 4), "batch-4")
        XCTAssertEqual(BatchNaming.legalName(label: ".", batchID: 5), "batch-5")
        let long = String(repeating: "é", count: 150) // 300 bytes
        let cut = BatchNaming.legalName(label: long, batchID: 1)
        XCTAssertLessThanOrEqual(cut.utf8.count, BatchNaming.maxNameBytes)
        XCTAssertEqual(cut, String(repeating: "é", count: 100))
    }

    func testDuplicatesGetTheIdSuffixAndTheOldestKeepsThePlainName() {
        let names = BatchNaming.assignNames([(12, "data"), (3, "data"), (5, "other"), (9, "data")])
        XCTAssertEqual(names, [3: "data", 9: "data~9", 12: "data~12", 5: "other"])
        // Adding a newer batch never renames an existing directory.
        let more = BatchNaming.assignNames([(12, "data"), (3, "data"), (5, "other"), (9, "data"), (20, "data")])
        XCTAssertEqual(more[3], "data")
        XCTAssertEqual(more[9], "data~9")
        XCTAssertEqual(more[20], "data~20")
    }

    func testReservedAndPathologicalCollisions() {
        // A local (unsubmitted) batch holds its label; a label that looks like a suffixed name still gets one.
        let names = BatchNaming.assignNames([(1, "x~2"), (2, "x"), (4, "new")], reserved: ["new"])
        XCTAssertEqual(names[1], "x~2")
        XCTAssertEqual(names[2], "x")
        XCTAssertEqual(names[4], "new~4")
        let clash = BatchNaming.assignNames([(1, "a"), (2, "a~3"), (3, "a")])
        XCTAssertEqual(clash[3], "a~3~2")
        XCTAssertEqual(Set(clash.values).count, 3)
    }

    func testNewLabels() {
        XCTAssertTrue(BatchNaming.isLegalNewLabel("run 2"))
        XCTAssertFalse(BatchNaming.isLegalNewLabel(""))
        XCTAssertFalse(BatchNaming.isLegalNewLabel(".."))
        XCTAssertFalse(BatchNaming.isLegalNewLabel(String(repeating: "a", count: 201)))
    }

    func testTreeStripsTheCommonDirectoryAndInfersDirectories() {
        let tree = BatchTree([
            .init(path: "/gws/cmip/alice/run1/a.nc", size: 1, digest: "d1", digestFormat: "md5"),
            .init(path: "/gws/cmip/alice/run1/sub/deep/b.nc", size: 2, digest: nil, digestFormat: nil),
            .init(path: "/gws/cmip/alice/run1/sub/c.nc", size: 3, digest: nil, digestFormat: nil),
        ])
        XCTAssertEqual(tree.commonDirectory, "/gws/cmip/alice/run1")
        XCTAssertEqual(Set(tree.files.keys), ["a.nc", "sub/deep/b.nc", "sub/c.nc"])
        XCTAssertEqual(tree.directories, ["", "sub", "sub/deep"])
        let root = tree.children(of: "")
        XCTAssertEqual(Set(root.files.keys), ["a.nc"])
        XCTAssertEqual(root.directories, ["sub"])
        let sub = tree.children(of: "sub")
        XCTAssertEqual(Set(sub.files.keys), ["c.nc"])
        XCTAssertEqual(sub.directories, ["deep"])
        XCTAssertEqual(tree.files["sub/deep/b.nc"]?.originalPath, "/gws/cmip/alice/run1/sub/deep/b.nc")
    }

    func testTreeOfOneFileAndOfSiblingsThatShareOnlyAPrefixOfTheirName() {
        XCTAssertEqual(Set(BatchTree([.init(path: "/a/b/only.txt", size: 1, digest: nil, digestFormat: nil)]).files.keys),
                       ["only.txt"])
        let tree = BatchTree([
            .init(path: "/data/run10/x", size: 1, digest: nil, digestFormat: nil),
            .init(path: "/data/run1/y", size: 1, digest: nil, digestFormat: nil),
        ])
        XCTAssertEqual(tree.commonDirectory, "/data")
        XCTAssertEqual(Set(tree.files.keys), ["run10/x", "run1/y"])
        XCTAssertTrue(BatchTree([]).files.isEmpty)
    }

    func testLocations() {
        XCTAssertEqual(JDMALocation(RemotePath.root), .root)
        XCTAssertEqual(JDMALocation(RemotePath(["ws"])), .workspace("ws"))
        XCTAssertEqual(JDMALocation(RemotePath(["ws", "b"])), .batch(workspace: "ws", name: "b", inside: []))
        XCTAssertEqual(JDMALocation(RemotePath(["ws", "b", "x", "y"])), .batch(workspace: "ws", name: "b", inside: ["x", "y"]))
    }
}
