@testable import RucioBackend
import Foundation
import RucioEmulator
import SciencefsCore
import XCTest

/// Reads from replicas (ranges, failover, checksums), xattrs, and uploads over the emulator.
final class RucioDataTests: XCTestCase {
    var fixture: RucioEmulatorFixture!
    let scope = RucioEmulatorFixture.scope

    override func setUpWithError() throws { fixture = try RucioEmulatorFixture() }
    override func tearDown() { fixture?.tearDown() }

    private func addDataset(_ name: String, files: [String: Data], rses: [String] = ["SITE_A", "SITE_B"],
                            meta: [String: String] = [:]) throws {
        try fixture.emulator.addCollection(scope: scope, name: name, type: .dataset)
        for (file, data) in files {
            try fixture.emulator.addFile(scope: scope, name: file, data: data, rses: rses, meta: meta)
        }
        try fixture.emulator.attach(scope: scope, name: name, children: files.keys.map { (scope: scope, name: $0) })
    }

    func testRangedReadsFetchOnlyTheRequestedBytes() throws {
        let data = RucioEmulatorFixture.pattern(200_000)
        try addDataset("ds", files: ["f.bin": data], rses: ["SITE_A"])
        let backend = fixture.backend()
        let path = RucioEmulatorFixture.path("ds", "f.bin")
        fixture.emulator.requestLog.clear()

        XCTAssertEqual(try backend.readData(path, offset: 1000, length: 5000), data[1000..<6000])
        XCTAssertEqual(fixture.storageRequests(rse: "SITE_A").map(\.range), ["bytes=1000-5999"])
        XCTAssertEqual(try backend.readData(path, offset: 199_990, length: 100), data[199_990...], "clamped at the end")
        XCTAssertEqual(try backend.readData(path, offset: 300_000, length: 10), Data(), "past the end reads nothing")
        XCTAssertEqual(fixture.apiRequests().filter { $0.path == "/replicas/list" }.count, 1, "the replica list is reused")
    }

    func testReadFallsOverToTheOtherReplicaWhenOneRSEIsDown() throws {
        let data = RucioEmulatorFixture.pattern(50_000)
        try addDataset("ds", files: ["f.bin": data])
        let backend = fixture.backend(preferredRSEs: ["SITE_A"])
        fixture.emulator.setRSE("SITE_A", available: false)
        fixture.emulator.requestLog.clear()

        XCTAssertEqual(try backend.readData(RucioEmulatorFixture.path("ds", "f.bin")), data)
        XCTAssertFalse(fixture.storageRequests(rse: "SITE_B").isEmpty, "SITE_B served the bytes")
        // The failed RSE is now tried last, so the next read goes straight to SITE_B.
        fixture.emulator.requestLog.clear()
        XCTAssertEqual(try backend.readData(RucioEmulatorFixture.path("ds", "f.bin"), offset: 10, length: 10), data[10..<20])
        XCTAssertTrue(fixture.storageRequests(rse: "SITE_A").isEmpty)
    }

    func testReadFailsWithEIOWhenEveryReplicaIsDown() throws {
        try addDataset("ds", files: ["f.bin": Data("abc".utf8)])
        let backend = fixture.backend()
        fixture.emulator.setRSE("SITE_A", available: false)
        fixture.emulator.setRSE("SITE_B", available: false)
        XCTAssertThrowsIO(try backend.readData(RucioEmulatorFixture.path("ds", "f.bin")))
    }

    func testReplicasOfADatasetsFilesAreLookedUpInBatches() throws {
        let files = Dictionary(uniqueKeysWithValues: (0..<450).map { (String(format: "f%03d.txt", $0), Data("file \($0)\n".utf8)) })
        try addDataset("many", files: files, rses: ["SITE_A"])
        let backend = fixture.backend()
        fixture.emulator.requestLog.clear()
        // In reverse order, as no batch would guess: each lookup still brings in 200 files not yet known.
        for name in files.keys.sorted().reversed() {
            let path = RucioEmulatorFixture.path("many", name)
            XCTAssertEqual(try backend.readData(path), files[name], name)
        }
        let lookups = fixture.apiRequests().filter { $0.path == "/replicas/list" }.count
        XCTAssertEqual(lookups, 3, "450 files, 200 per lookup")
    }

    func testCorruptedReplicaIsDetectedByItsChecksums() throws {
        let data = RucioEmulatorFixture.pattern(10_000)
        try addDataset("ds", files: ["good.bin": data, "bad.bin": data], rses: ["SITE_A"])
        var corrupted = data
        corrupted[5000] ^= 0xFF
        try corrupted.write(to: fixture.emulator.storageFile(rse: "SITE_A", scope: scope, name: "bad.bin"))
        let backend = fixture.backend()

        for (name, expectMismatch) in [("good.bin", false), ("bad.bin", true)] {
            let path = RucioEmulatorFixture.path("ds", name)
            let attributes = try backend.stat(path)
            let expected = backend.checksums(of: path, attributes: attributes)
            XCTAssertTrue(expected.contains(.adler32(ChecksumCalculator.compute(data).adler32)))
            XCTAssertTrue(expected.contains(.md5(ChecksumCalculator.compute(data).md5)))
            let read = ChecksumCalculator.compute(try backend.readData(path))
            XCTAssertEqual(ChecksumCalculator.mismatch(expected: expected, actual: read) != nil, expectMismatch, name)
        }
    }

    func testExtendedAttributesCarryDIDFieldsReplicasAndMetadata() throws {
        let data = Data("hello rucio".utf8)
        try addDataset("ds", files: ["f.txt": data], meta: ["project": "demo", "run_number": "42"])
        let backend = fixture.backend()
        let path = RucioEmulatorFixture.path("ds", "f.txt")
        let xattrs = try backend.extendedAttributes(of: path, attributes: try backend.stat(path))
        XCTAssertEqual(xattrs["user.rucio.scope"], scope)
        XCTAssertEqual(xattrs["user.rucio.name"], "f.txt")
        XCTAssertEqual(xattrs["user.rucio.did_type"], "FILE")
        XCTAssertEqual(xattrs["user.rucio.bytes"], "11")
        XCTAssertEqual(xattrs["user.rucio.adler32"], ChecksumCalculator.compute(data).adler32)
        XCTAssertEqual(xattrs["user.rucio.md5"], ChecksumCalculator.compute(data).md5)
        XCTAssertEqual(xattrs["user.rucio.replicas"], "SITE_A,SITE_B")
        XCTAssertEqual(xattrs["user.rucio.meta.project"], "demo")
        XCTAssertFalse(xattrs.values.contains("null"))

        let dataset = try backend.extendedAttributes(of: RucioEmulatorFixture.path("ds"), attributes: try backend.stat(RucioEmulatorFixture.path("ds")))
        XCTAssertEqual(dataset["user.rucio.did_type"], "DATASET")
        XCTAssertNil(dataset["user.rucio.replicas"])
    }

    func testUploadRegistersAttachesAndIsVisibleInTheListing() throws {
        let backend = fixture.backend()
        let datasetAttributes = try backend.makeDirectory(RucioEmulatorFixture.path("new.ds"))
        XCTAssertEqual(datasetAttributes.kind, .directory)
        XCTAssertEqual(try backend.list(RemotePath([scope])).map(\.name), ["new.ds"])

        let data = RucioEmulatorFixture.pattern(300_000, seed: 7)
        let local = fixture.directory.appendingPathComponent("upload.bin")
        try data.write(to: local)
        let target = RucioEmulatorFixture.path("new.ds", "dir%2Fout.bin")
        let attributes: RemoteAttributes
        do {
            attributes = try backend.upload(from: local, to: target)
        } catch {
            return XCTFail("upload failed: \(error); requests: \(fixture.emulator.requestLog.all.map { "\($0.listener ?? "") \($0.method) \($0.path) \($0.status)" })")
        }
        XCTAssertEqual(attributes.size, 300_000)
        XCTAssertEqual(attributes.xattrs["user.rucio.adler32"], ChecksumCalculator.compute(data).adler32)

        let listed = try backend.list(RucioEmulatorFixture.path("new.ds"))
        XCTAssertEqual(listed.map(\.name), ["dir%2Fout.bin"])
        XCTAssertEqual(listed.first?.attributes.xattrs["user.rucio.md5"], ChecksumCalculator.compute(data).md5)
        XCTAssertEqual(try backend.readData(target), data)
        let stored = fixture.emulator.storageFile(rse: "SITE_A", scope: scope, name: "dir/out.bin")
        XCTAssertEqual(try Data(contentsOf: stored), data, "bytes sit at the deterministic PFN on the upload RSE")
        let storage = fixture.storageRequests(rse: "SITE_A").map { "\($0.method) \($0.status)" }
        XCTAssertTrue(storage.contains("PUT 201") || storage.contains("PUT 204") || storage.contains("PUT 200"), "\(storage)")
        XCTAssertTrue(storage.contains { $0.hasPrefix("MOVE 2") }, "\(storage)")
        let xattrs = try backend.extendedAttributes(of: target, attributes: attributes)
        XCTAssertEqual(xattrs["user.rucio.replicas"], "SITE_A")
    }

    func testMkdirMakesContainersWithTheSuffixAndDatasetsInsideThem() throws {
        let backend = fixture.backend()
        _ = try backend.makeDirectory(RucioEmulatorFixture.path("runs.cont"))
        _ = try backend.makeDirectory(RucioEmulatorFixture.path("runs.cont", "run1"))
        XCTAssertEqual(try backend.stat(RucioEmulatorFixture.path("runs.cont")).xattrs["user.rucio.did_type"], "CONTAINER")
        XCTAssertEqual(try backend.list(RucioEmulatorFixture.path("runs.cont")).map(\.name), ["run1"])
        XCTAssertEqual(try backend.stat(RucioEmulatorFixture.path("runs.cont", "run1")).xattrs["user.rucio.did_type"], "DATASET")
        XCTAssertThrowsFSError(.exists, try backend.makeDirectory(RucioEmulatorFixture.path("runs.cont")))
        XCTAssertThrowsFSError(.permissionDenied, try backend.makeDirectory(RucioEmulatorFixture.path("runs.cont", "run1", "sub")))
    }

    func testClosedDatasetRefusesUploadsAndShowsReadOnlyModes() throws {
        try fixture.emulator.addCollection(scope: scope, name: "frozen", type: .dataset, open: false)
        let backend = fixture.backend()
        XCTAssertEqual(try backend.stat(RucioEmulatorFixture.path("frozen")).permissions, 0o555)
        let local = fixture.directory.appendingPathComponent("x.bin")
        try Data("x".utf8).write(to: local)
        XCTAssertThrowsFSError(.readOnly, try backend.upload(from: local, to: RucioEmulatorFixture.path("frozen", "x.bin")))
        XCTAssertTrue(fixture.storageRequests(rse: "SITE_A").isEmpty, "nothing reached storage")
    }

    func testDeleteAndRenameAreRefused() throws {
        try addDataset("ds", files: ["f": Data("1".utf8)])
        let backend = fixture.backend()
        XCTAssertThrowsFSError(.permissionDenied, try backend.delete(RucioEmulatorFixture.path("ds", "f"), kind: .file))
        XCTAssertThrowsFSError(.unsupported, try backend.rename(RucioEmulatorFixture.path("ds", "f"), to: RucioEmulatorFixture.path("ds", "g")))
    }
}
