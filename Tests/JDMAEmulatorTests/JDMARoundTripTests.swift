import Foundation
@testable import JDMAEmulator
import XCTest

/// Whole journeys: files copied in by PUT come back byte-identical through GET; MIGRATE removes the originals;
/// the clock walks through the intermediate stages.
final class JDMARoundTripTests: XCTestCase {
    func testPutThenGetReturnsIdenticalTree() async throws {
        let fixture = try JDMAFixture(tapeDelay: nil)
        fixture.emulator.addUser("bob", workspaces: ["gws-x"], quotaBytes: 1 << 30)
        let tree: [String: Data] = [
            "label/top.txt": Data("top\n".utf8),
            "label/deep/er/blob.bin": Data(DeterministicData.bytes(count: 3 << 20, seed: 42)),
            "label/deep/empty.dat": Data(),
        ]
        let paths = try tree.keys.sorted().map { try fixture.writeShared("staging/\($0)", tree[$0] ?? Data()) }
        let put = try await fixture.call("POST", "request", json: [
            "name": "bob", "workspace": "gws-x", "filelist": paths, "label": "label", "request_type": "PUT",
            "storage": "elastictape",
        ])
        XCTAssertEqual(put.status, 200, put.text)
        let batchID = try XCTUnwrap(try put.object()["batch_id"] as? Int)
        let putID = try XCTUnwrap(try put.object()["request_id"] as? Int)
        fixture.emulator.completeRequest(putID)
        XCTAssertEqual(fixture.emulator.batchStage(batchID), .onStorage)

        let target = fixture.directory.appendingPathComponent("restore").path
        let get = try await fixture.call("POST", "request", json: [
            "name": "bob", "request_type": "GET", "migration_id": batchID, "target_path": target,
        ])
        XCTAssertEqual(get.status, 200, get.text)
        XCTAssertEqual(try get.object()["filelist"] as? [String], ["deep/empty.dat", "deep/er/blob.bin", "top.txt"])
        let getID = try XCTUnwrap(try get.object()["request_id"] as? Int)
        fixture.emulator.completeRequest(getID)
        _ = try await fixture.waitForRequest(getID, user: "bob", stage: 106)
        for (relative, data) in tree {
            let restored = target + "/" + relative.dropFirst("label/".count)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: restored)), data, relative)
        }
        XCTAssertEqual(fixture.emulator.requests(batch: batchID, type: .get), [getID])
    }

    func testMigrateDeletesOriginalsAfterUpload() async throws {
        let fixture = try JDMAFixture(tapeDelay: nil)
        fixture.emulator.addUser("bob", workspaces: ["gws-x"], quotaBytes: 1 << 20)
        let path = try fixture.writeShared("m/file.txt", Data("bye".utf8))
        let reply = try await fixture.call("POST", "request", json: [
            "name": "bob", "workspace": "gws-x", "filelist": [path], "request_type": "MIGRATE", "storage": "elastictape",
        ])
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(try reply.object()["request_type"] as? Int, 2)
        XCTAssertEqual(try reply.object()["label"] as? String, "file.txt", "default label: last component of the first path")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        fixture.emulator.completeAllRequests()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        let batchID = try XCTUnwrap(try reply.object()["batch_id"] as? Int)
        XCTAssertEqual(try Data(contentsOf: fixture.emulator.storedFile(batch: batchID, path: "file.txt")), Data("bye".utf8))
    }

    func testClockWalksThroughIntermediateStages() async throws {
        let fixture = try JDMAFixture(tapeDelay: 1.5)
        fixture.emulator.addUser("bob", workspaces: ["gws-x"], quotaBytes: 1 << 20)
        let path = try fixture.writeShared("c/f.txt", Data("c".utf8))
        let reply = try await fixture.call("POST", "request", json: [
            "name": "bob", "workspace": "gws-x", "filelist": [path], "request_type": "PUT", "storage": "elastictape",
        ])
        let requestID = try XCTUnwrap(try reply.object()["request_id"] as? Int)
        let batchID = try XCTUnwrap(try reply.object()["batch_id"] as? Int)
        var seenStages: [Int] = []
        var seenBatchStages: Set<JDMABatchStage> = []
        let deadline = Date().addingTimeInterval(10)
        while seenStages.last != 9, Date() < deadline {
            let stage = try await fixture.call("GET", "request?name=bob&request_id=\(requestID)")
            if let value = try stage.object()["stage"] as? Int, seenStages.last != value { seenStages.append(value) }
            if let batchStage = fixture.emulator.batchStage(batchID) { seenBatchStages.insert(batchStage) }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        XCTAssertEqual(seenStages.last, 9)
        XCTAssertGreaterThan(seenStages.count, 3, "intermediate stages are visible: \(seenStages)")
        let order = JDMARequestStage.path(for: .put).map(\.rawValue)
        XCTAssertEqual(seenStages, seenStages.sorted { (order.firstIndex(of: $0) ?? 0) < (order.firstIndex(of: $1) ?? 0) })
        XCTAssertTrue(seenBatchStages.isSuperset(of: [.putting, .onStorage]), "\(seenBatchStages)")
    }

    func testWorkspaceFilterNeedsWorkspaceAndSharesBatchesWithMembers() async throws {
        let fixture = try JDMAFixture(tapeDelay: nil)
        try JDMADemoData.seedDemo(into: fixture.emulator)
        fixture.emulator.addUser("carol", workspaces: ["gws-climate"], quotaBytes: 0)
        let mine = try await fixture.call("GET", "migration/?name=carol&filter=user")
        XCTAssertEqual((try mine.object()["migrations"] as? [Any])?.count, 0)
        let shared = try await fixture.call("GET", "migration/?name=carol&workspace=gws-climate&filter=workspace")
        XCTAssertEqual((try shared.object()["migrations"] as? [Any])?.count, 3)
        let noWorkspace = try await fixture.call("GET", "migration/?name=carol&filter=workspace")
        XCTAssertEqual(noWorkspace.status, 404)
        fixture.emulator.addUser("dave", workspaces: ["gws-other"], quotaBytes: 0)
        let outsider = try await fixture.call("GET", "migration/?name=dave")
        XCTAssertEqual((try outsider.object()["migrations"] as? [Any])?.count, 0)
    }
}
