import AgaveBackend
import Foundation
import SciencefsCore
import XCTest

final class AgaveBackendMetadataTests: XCTestCase {
    var fixture: EmulatorFixture!

    override func setUpWithError() throws { fixture = try EmulatorFixture() }
    override func tearDown() { fixture.tearDown() }

    func testListingOf250EntriesCostsOneRequestPerPagePlusTheEmptyPageAndOneGuess() throws {
        for i in 0..<250 { try fixture.putFile(String(format: "big/f%03d.txt", i), Data("x".utf8)) }
        let backend = fixture.backend(pageSize: 100)
        fixture.emulator.requestLog.clear()

        let entries = try backend.list(EmulatorFixture.path("big"))

        XCTAssertEqual(entries.count, 250)
        XCTAssertEqual(Set(entries.map(\.name)).count, 250)
        XCTAssertFalse(entries.contains { $0.name == "." })
        // 251 rows (the `.` row counts) → pages of 100, 100, 51, then the empty page that ends the listing. After two
        // full pages the next is asked for ahead (PagePipeline): offset 300, sent with page 200, is a wrong guess
        // once that page holds 51 rows, and is thrown away. Pages ahead run on their own thread: order by offset.
        let listings = fixture.emulator.requestLog.entries(method: "GET", pathPrefix: "/files/v2/listings/")
        XCTAssertEqual(listings.count, 5)
        XCTAssertEqual(listings.compactMap(\.query).sorted(), ["limit=100&offset=0", "limit=100&offset=100",
                                                              "limit=100&offset=200", "limit=100&offset=251",
                                                              "limit=100&offset=300"])
    }

    func testListingPagesCorrectlyWhenServerClampsTheLimit() throws {
        fixture.tearDown()
        fixture = try EmulatorFixture(maxPageLimit: 7)
        for i in 0..<30 { try fixture.putFile("dir/file\(i)", Data()) }
        let backend = fixture.backend(pageSize: 100)

        let entries = try backend.list(EmulatorFixture.path("dir"))

        XCTAssertEqual(Set(entries.map(\.name)), Set((0..<30).map { "file\($0)" }))
        // 31 rows in pages of 7 → 5 pages, plus the empty one, plus the guess at 35 sent with the short page at 28.
        XCTAssertEqual(fixture.emulator.requestLog.entries(pathPrefix: "/files/v2/listings/").count, 7)
    }

    func testStatOfFileAndDirectoryUsesOneListingRequestEach() throws {
        try fixture.putFile("project/data.bin", Data(count: 1234))
        let backend = fixture.backend()
        fixture.emulator.requestLog.clear()

        let file = try backend.stat(EmulatorFixture.path("project/data.bin"))
        let directory = try backend.stat(EmulatorFixture.path("project"))

        XCTAssertEqual(file.kind, .file)
        XCTAssertEqual(file.size, 1234)
        XCTAssertGreaterThan(file.mtime.timeIntervalSince1970, 1_500_000_000)
        XCTAssertEqual(directory.kind, .directory)
        let listings = fixture.emulator.requestLog.entries(pathPrefix: "/files/v2/listings/")
        XCTAssertEqual(listings.count, 2)
        XCTAssertTrue(listings.allSatisfy { $0.query == "limit=1&offset=0" })
    }

    func testMissingPathIsNotFound() throws {
        XCTAssertThrowsFSError(.notFound, try fixture.backend().stat(EmulatorFixture.path("nope/never")))
        XCTAssertThrowsFSError(.notFound, try fixture.backend().list(EmulatorFixture.path("nope")))
    }

    func testListingAFileIsNotADirectory() throws {
        try fixture.putFile("plain.txt", Data("hi".utf8))
        XCTAssertThrowsFSError(.notDirectory, try fixture.backend().list(EmulatorFixture.path("plain.txt")))
    }

    func testRootHoldsSystemsAndSystemsListsStorageSystems() throws {
        try fixture.emulator.addSystem(id: "second.storage", name: "Second", description: "another")
        let backend = fixture.backend()

        XCTAssertEqual(try backend.list(.root).map(\.name), ["systems", "jobs"])
        XCTAssertEqual(try backend.stat(.root).kind, .directory)
        let systems = try backend.list(RemotePath(["systems"]))
        XCTAssertEqual(Set(systems.map(\.name)), [EmulatorFixture.systemID, "second.storage"])
        XCTAssertTrue(systems.allSatisfy { $0.attributes.kind == .directory })
        XCTAssertEqual(try backend.stat(RemotePath(["systems", EmulatorFixture.systemID])).kind, .directory)
        XCTAssertThrowsFSError(.notFound, try backend.stat(RemotePath(["jobs-not-yet"])))
    }

    func testOddNamesRoundTripThroughListingStatAndRead() throws {
        let names = ["a b.txt", "100%.dat", "hash#tag", "what?.csv", "plus+sign", "ünïcødé-日本.txt", "semi;colon&amp"]
        for (i, name) in names.enumerated() { try fixture.putFile("odd/\(name)", Data(repeating: UInt8(i), count: i + 1)) }
        let backend = fixture.backend()

        let listed = try backend.list(EmulatorFixture.path("odd"))
        XCTAssertEqual(Set(listed.map(\.name)), Set(names))
        for (i, name) in names.enumerated() {
            let path = EmulatorFixture.path("odd").appending(name)
            XCTAssertEqual(try backend.stat(path).size, UInt64(i + 1), name)
            XCTAssertEqual(try backend.readData(path, offset: 0, length: 100), Data(repeating: UInt8(i), count: i + 1), name)
        }
    }
}
