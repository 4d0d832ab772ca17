import AgaveBackend
import AgaveEmulator
import Foundation
import SciencefsCore
import XCTest

final class AgaveBackendTransferTests: XCTestCase {
    var fixture: EmulatorFixture!

    override func setUpWithError() throws { fixture = try EmulatorFixture() }
    override func tearDown() { fixture.tearDown() }

    func testRangedReadAsksForExactlyThatRange() throws {
        let content = try fixture.putFile("data/blob.bin", EmulatorFixture.pattern(100_000))
        let backend = fixture.backend()
        fixture.emulator.requestLog.clear()

        let bytes = try backend.readData(EmulatorFixture.path("data/blob.bin"), offset: 1000, length: 5000)

        XCTAssertEqual(bytes, content.subdata(in: 1000..<6000))
        let downloads = fixture.emulator.requestLog.entries(method: "GET", pathPrefix: "/files/v2/media/")
        XCTAssertEqual(downloads.map(\.range), ["bytes=1000-5999"])
        XCTAssertEqual(downloads.first?.status, 206)
    }

    func testReadPastTheEndIsClampedToTheFileSize() throws {
        let content = try fixture.putFile("tail.bin", EmulatorFixture.pattern(1000))
        let backend = fixture.backend()
        let path = EmulatorFixture.path("tail.bin")

        XCTAssertEqual(try backend.readData(path, offset: 900, length: 4096), content.subdata(in: 900..<1000))
        XCTAssertEqual(try backend.readData(path, offset: 1000, length: 4096), Data())
        XCTAssertEqual(try backend.readData(path, offset: 5000, length: 10), Data())
        XCTAssertEqual(try backend.readData(path, offset: 10, length: UInt64.max), content.subdata(in: 10..<1000),
                       "a length reaching past UInt64.max asks for the open range")
    }

    func testReadingADirectoryIsIsDirectory() throws {
        try fixture.makeDirectory("folder")
        XCTAssertThrowsFSError(.isDirectory, try fixture.backend().readData(EmulatorFixture.path("folder"), offset: 0, length: 10))
    }

    func testUploadStreamsTheFileAndReadsBackIdentical() throws {
        try fixture.makeDirectory("in")
        let local = fixture.directory.appendingPathComponent("upload-source")
        let content = EmulatorFixture.pattern(3 * 1024 * 1024 + 17)
        try content.write(to: local)
        let backend = fixture.backend()
        let target = EmulatorFixture.path("in/result file #1.bin")

        let attributes = try backend.upload(from: local, to: target)

        XCTAssertEqual(attributes.kind, .file)
        XCTAssertEqual(attributes.size, UInt64(content.count))
        XCTAssertEqual(try fixture.localData("in/result file #1.bin"), content)
        XCTAssertEqual(try backend.stat(target).size, UInt64(content.count))
        XCTAssertEqual(try backend.readData(target, offset: 0, length: UInt64(content.count)), content)
        let posts = fixture.emulator.requestLog.entries(method: "POST", pathPrefix: "/files/v2/media/")
        XCTAssertEqual(posts.map(\.path), ["/files/v2/media/system/\(EmulatorFixture.systemID)/in"])
    }

    /// Agave answers an upload with 202 and stages it later (docs/protocols/agave.md §4.4): `upload` returns once
    /// the bytes are on the storage system, with the attributes of what landed there.
    func testUploadReturnsOnceTheStagedFileHasLanded() throws {
        try fixture.makeDirectory("in")
        let local = fixture.directory.appendingPathComponent("slow-source")
        let content = EmulatorFixture.pattern(200_000)
        try content.write(to: local)
        fixture.emulator.uploads.delay = 1
        let backend = fixture.backend()

        let attributes = try backend.upload(from: local, to: EmulatorFixture.path("in/slow.bin"))

        XCTAssertEqual(try fixture.localData("in/slow.bin"), content, "the upload had landed when upload returned")
        let landed = try backend.stat(EmulatorFixture.path("in/slow.bin"))
        XCTAssertEqual(attributes.size, landed.size)
        XCTAssertEqual(attributes.mtime, landed.mtime, "the attributes are the landed object's, not the local file's")
        XCTAssertFalse(fixture.emulator.requestLog.entries(method: "GET", pathPrefix: "/files/v2/history/").isEmpty,
                       "the staging was followed through the file's history")
    }

    /// A file written twice in a row: the first upload's STAGING_COMPLETED is in the history already when the
    /// second is posted, and must not end the wait for the second.
    func testASecondUploadOfTheSameFileWaitsForItsOwnStaging() throws {
        try fixture.makeDirectory("in")
        let first = fixture.directory.appendingPathComponent("first")
        let second = fixture.directory.appendingPathComponent("second")
        try EmulatorFixture.pattern(50_000).write(to: first)
        let secondContent = Data(EmulatorFixture.pattern(70_000).reversed())
        try secondContent.write(to: second)
        let backend = fixture.backend()
        let target = EmulatorFixture.path("in/twice.bin")

        _ = try backend.upload(from: first, to: target)
        fixture.emulator.uploads.delay = 1
        let attributes = try backend.upload(from: second, to: target)

        XCTAssertEqual(try fixture.localData("in/twice.bin"), secondContent, "the second upload had landed")
        XCTAssertEqual(attributes.size, UInt64(secondContent.count))
    }

    func testAnUploadWhoseStagingFailsIsEIOWithTheServicesReason() throws {
        try fixture.makeDirectory("in")
        try fixture.putFile("in/doomed.bin", Data("the previous version\n".utf8))
        let local = fixture.directory.appendingPathComponent("doomed-source")
        try EmulatorFixture.pattern(10_000).write(to: local)
        fixture.emulator.uploads.failStaging(whosePathContains: "doomed")

        XCTAssertThrowsError(try fixture.backend().upload(from: local, to: EmulatorFixture.path("in/doomed.bin"))) { error in
            guard case .io(let reason)? = error as? FSError else { return XCTFail("expected FSError.io, got \(error)") }
            XCTAssertTrue(reason.description.contains("STAGING_FAILED") && reason.description.contains("refused the transfer"),
                          reason.description)
        }
        XCTAssertEqual(try fixture.localData("in/doomed.bin"), Data("the previous version\n".utf8),
                       "a failed staging leaves the file as it was")
    }

    func testUploadIntoAMissingDirectoryIsNotFound() throws {
        let local = fixture.directory.appendingPathComponent("small")
        try Data("x".utf8).write(to: local)
        XCTAssertThrowsFSError(.notFound, try fixture.backend().upload(from: local, to: EmulatorFixture.path("missing/x")))
    }

    func testDroppedConnectionMidDownloadResumesFromTheNextByte() throws {
        let content = try fixture.putFile("big.bin", EmulatorFixture.pattern(1_000_000))
        let backend = fixture.backend()
        _ = try backend.stat(EmulatorFixture.path("big.bin")) // log in before the fault is armed
        fixture.emulator.faults.add(method: "GET", pathPrefix: "/files/v2/media/", action: .dropAfterBytes(300_000), count: 1)
        fixture.emulator.requestLog.clear()

        let bytes = try backend.readData(EmulatorFixture.path("big.bin"), offset: 100, length: 900_000)

        XCTAssertEqual(bytes.count, 900_000)
        XCTAssertEqual(bytes, content.subdata(in: 100..<900_100))
        let downloads = fixture.emulator.requestLog.entries(method: "GET", pathPrefix: "/files/v2/media/")
        XCTAssertEqual(downloads.count, 2)
        XCTAssertEqual(downloads.first?.range, "bytes=100-900099")
        XCTAssertEqual(downloads.last?.range, "bytes=300100-900099", "the retry must start after the last delivered byte")
    }
}
