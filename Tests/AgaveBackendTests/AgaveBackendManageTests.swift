import AgaveBackend
import Foundation
import SciencefsCore
import XCTest

final class AgaveBackendManageTests: XCTestCase {
    var fixture: EmulatorFixture!

    override func setUpWithError() throws { fixture = try EmulatorFixture() }
    override func tearDown() { fixture.tearDown() }

    func testMakeDirectoryCreatesItAndTwiceIsExists() throws {
        let backend = fixture.backend()
        let path = EmulatorFixture.path("new dir")

        XCTAssertEqual(try backend.makeDirectory(path).kind, .directory)
        XCTAssertTrue(fixture.exists("new dir"))
        XCTAssertEqual(try backend.stat(path).kind, .directory)
        XCTAssertThrowsFSError(.exists, try backend.makeDirectory(path))
    }

    func testMakeDirectoryOverAFileIsExists() throws {
        try fixture.putFile("taken", Data("x".utf8))
        XCTAssertThrowsFSError(.exists, try fixture.backend().makeDirectory(EmulatorFixture.path("taken")))
    }

    func testRenameWithinADirectoryUsesRenameAction() throws {
        try fixture.putFile("d/old.txt", Data("old".utf8))
        try fixture.backend().rename(EmulatorFixture.path("d/old.txt"), to: EmulatorFixture.path("d/new name.txt"))
        XCTAssertFalse(fixture.exists("d/old.txt"))
        XCTAssertEqual(try fixture.localData("d/new name.txt"), Data("old".utf8))
    }

    func testRenameAcrossDirectoriesMovesTheFile() throws {
        try fixture.putFile("a/f.txt", Data("moved".utf8))
        try fixture.makeDirectory("b/c")
        try fixture.backend().rename(EmulatorFixture.path("a/f.txt"), to: EmulatorFixture.path("b/c/g.txt"))
        XCTAssertFalse(fixture.exists("a/f.txt"))
        XCTAssertEqual(try fixture.localData("b/c/g.txt"), Data("moved".utf8))
    }

    func testRenameAcrossSystemsIsCrossDevice() throws {
        try fixture.emulator.addSystem(id: "other", name: "Other", description: "")
        try fixture.putFile("x", Data())
        XCTAssertThrowsFSError(.crossDevice, try fixture.backend().rename(EmulatorFixture.path("x"),
                                                                        to: RemotePath(["systems", "other", "x"])))
    }

    func testDeleteFileAndEmptyDirectoryButNotANonEmptyOne() throws {
        try fixture.putFile("gone.txt", Data("x".utf8))
        try fixture.makeDirectory("empty")
        try fixture.putFile("full/child", Data("x".utf8))
        let backend = fixture.backend()

        try backend.delete(EmulatorFixture.path("gone.txt"), kind: .file)
        try backend.delete(EmulatorFixture.path("empty"), kind: .directory)
        XCTAssertThrowsFSError(.notEmpty, try backend.delete(EmulatorFixture.path("full"), kind: .directory))
        XCTAssertThrowsFSError(.notFound, try backend.delete(EmulatorFixture.path("gone.txt"), kind: .file))

        XCTAssertFalse(fixture.exists("gone.txt"))
        XCTAssertFalse(fixture.exists("empty"))
        XCTAssertTrue(fixture.exists("full/child"))
    }

    func testCopyWithinTheSourceIsServerSide() throws {
        let content = try fixture.putFile("src/original.dat", EmulatorFixture.pattern(4096))
        try fixture.makeDirectory("dst")
        let backend = fixture.backend()
        fixture.emulator.requestLog.clear()

        let outcome = try backend.copy(from: RemoteRef(source: "agave", path: EmulatorFixture.path("src/original.dat")),
                                       to: EmulatorFixture.path("dst/copy.dat"))

        guard case .copied(let attributes) = outcome else { return XCTFail("expected a server-side copy, got \(outcome)") }
        XCTAssertEqual(attributes.size, 4096)
        XCTAssertEqual(try fixture.localData("dst/copy.dat"), content)
        XCTAssertEqual(fixture.emulator.requestLog.entries(method: "GET", pathPrefix: "/files/v2/media/").count, 0,
                       "no bytes may pass through the client")
    }

    func testCopyFromAnotherSourceIsNotPossible() throws {
        let outcome = try fixture.backend().copy(from: RemoteRef(source: "rucio", path: RemotePath(["scope", "f"])),
                                                 to: EmulatorFixture.path("f"))
        XCTAssertEqual(outcome, .notPossible)
    }

    func testWritesOutsideASystemAreRefused() throws {
        let backend = fixture.backend()
        XCTAssertThrowsFSError(.permissionDenied, try backend.makeDirectory(RemotePath(["systems"])))
        XCTAssertThrowsFSError(.permissionDenied, try backend.makeDirectory(RemotePath(["toplevel"])))
        XCTAssertThrowsFSError(.exists, try backend.makeDirectory(RemotePath(["systems", EmulatorFixture.systemID])))
        XCTAssertThrowsFSError(.permissionDenied, try backend.delete(RemotePath(["systems", EmulatorFixture.systemID]), kind: .directory))
    }
}
