import Foundation
@testable import JDMAEmulator
import XCTest

/// PUT, GET, DELETE and label changes through `POST api/v1/request` / `PUT api/v1/migration/`, and the stage
/// machine behind them.
final class JDMATransferTests: XCTestCase {
    func testGetWritesBatchIntoTargetOnlyWhenCompleted() async throws {
        let fixture = try JDMAFixture(tapeDelay: nil)
        let ids = try JDMADemoData.seedDemo(into: fixture.emulator)
        let target = fixture.shared.appendingPathComponent("staging/b\(ids[1])").path
        try FileManager.default.createDirectory(atPath: fixture.shared.appendingPathComponent("staging").path,
                                                withIntermediateDirectories: true)
        let reply = try await fixture.call("POST", "request", json: [
            "name": "demo", "request_type": "GET", "migration_id": ids[1], "target_path": target, "credentials": [:],
        ])
        XCTAssertEqual(reply.status, 200, reply.text)
        let object = try reply.object()
        XCTAssertEqual(object["request_type"] as? Int, 1)
        XCTAssertEqual(object["stage"] as? Int, 100)
        XCTAssertEqual(object["batch_id"] as? Int, ids[1])
        XCTAssertEqual(object["filelist"] as? [String], ["1990/t2m.grib", "1991/extra/notes.md", "1991/t2m.grib"])
        let requestID = try XCTUnwrap(object["request_id"] as? Int)

        let duplicate = try await fixture.call("POST", "request", json: [
            "name": "demo", "request_type": "GET", "migration_id": ids[1], "target_path": target,
        ])
        XCTAssertEqual(duplicate.status, 403)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target + "/1990/t2m.grib"))

        fixture.emulator.completeRequest(requestID)
        let done = try await fixture.waitForRequest(requestID, user: "demo", stage: 106)
        XCTAssertEqual(done["request_type"] as? Int, 1)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: target + "/1990/t2m.grib")),
                       Data(DeterministicData.bytes(count: 128 << 10, seed: 4)))
        XCTAssertEqual(try String(contentsOfFile: target + "/1991/extra/notes.md", encoding: .utf8),
                       "# ERA5 1991\nReprocessed surface fields.\n")
    }

    func testGetOfSomeFilesAdvancesOnTheClock() async throws {
        let fixture = try JDMAFixture(tapeDelay: 0.4)
        let ids = try JDMADemoData.seedDemo(into: fixture.emulator)
        let target = fixture.shared.appendingPathComponent("cmip").path
        let reply = try await fixture.call("POST", "request", json: [
            "name": "demo", "request_type": "GET", "migration_id": ids[0], "target_path": target,
            "filelist": ["/gws/nopw/j04/gws-climate/cmip6-tas-2015/mon/tas_Amon_2015.nc"],
        ])
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(try reply.object()["filelist"] as? [String], ["mon/tas_Amon_2015.nc"])
        let requestID = try XCTUnwrap(try reply.object()["request_id"] as? Int)
        _ = try await fixture.waitForRequest(requestID, user: "demo", stage: 106)
        XCTAssertTrue(FileManager.default.fileExists(atPath: target + "/mon/tas_Amon_2015.nc"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: target + "/README.txt"))
    }

    func testFailedGetReportsReasonAndWritesNothing() async throws {
        let fixture = try JDMAFixture(tapeDelay: nil)
        let ids = try JDMADemoData.seedDemo(into: fixture.emulator)
        let target = fixture.shared.appendingPathComponent("obs").path
        let reply = try await fixture.call("POST", "request", json: [
            "name": "demo", "request_type": "GET", "migration_id": ids[2], "target_path": target,
        ])
        let requestID = try XCTUnwrap(try reply.object()["request_id"] as? Int)
        fixture.emulator.failRequest(requestID, reason: "tape drive offline")
        let failed = try await fixture.waitForRequest(requestID, user: "demo", stage: 1000)
        XCTAssertEqual(failed["failure_reason"] as? String, "tape drive offline")
        XCTAssertFalse(FileManager.default.fileExists(atPath: target + "/stations.csv"))
        XCTAssertEqual(fixture.emulator.batchStage(ids[2]), .onStorage)
    }

    func testPutReadsSharedDiskAndReachesOnStorage() async throws {
        let fixture = try JDMAFixture(tapeDelay: 0.5)
        fixture.emulator.addUser("alice", workspaces: ["gws-ocean"], quotaBytes: 1 << 20)
        let a = try fixture.writeShared("run1/a.nc", Data("alpha".utf8))
        try fixture.writeShared("run1/sub/b.nc", Data(DeterministicData.bytes(count: 5000, seed: 9)))
        let reply = try await fixture.call("POST", "request", json: [
            "name": "alice", "workspace": "gws-ocean", "filelist": [fixture.shared.appendingPathComponent("run1").path],
            "label": "run one", "request_type": "PUT", "storage": "elastictape", "credentials": ["username": "et"],
        ])
        XCTAssertEqual(reply.status, 200, reply.text)
        let object = try reply.object()
        XCTAssertEqual(object["request_type"] as? Int, 0)
        XCTAssertEqual(object["stage"] as? Int, 0)
        XCTAssertEqual(object["label"] as? String, "run one")
        XCTAssertEqual((object["credentials"] as? [String: Any])?.isEmpty, true)
        let batchID = try XCTUnwrap(object["batch_id"] as? Int)
        let requestID = try XCTUnwrap(object["request_id"] as? Int)
        XCTAssertEqual(fixture.emulator.quotaUsed(workspace: "gws-ocean"), 5005)

        let again = try await fixture.call("POST", "request", json: [
            "name": "alice", "workspace": "gws-ocean", "filelist": [a], "request_type": "PUT", "storage": "elastictape",
        ])
        XCTAssertEqual(again.status, 403, "a file already in a batch")

        _ = try await fixture.waitForRequest(requestID, user: "alice", stage: 9)
        let batch = try await fixture.call("GET", "migration/?name=alice&migration_id=\(batchID)")
        XCTAssertEqual(try batch.object()["stage"] as? Int, 2)
        XCTAssertEqual(try Data(contentsOf: fixture.emulator.storedFile(batch: batchID, path: "sub/b.nc")),
                       Data(DeterministicData.bytes(count: 5000, seed: 9)))

        let files = try await fixture.call("GET", "file/?name=alice&migration_id=\(batchID)&limit=0&digest=0")
        let listed = ((try files.object()["migrations"] as? [[String: Any]])?.first?["archives"] as? [[String: Any]])?
            .first?["files"] as? [[String: Any]]
        XCTAssertEqual(listed?.compactMap { $0["path"] as? String }, [a, fixture.shared.appendingPathComponent("run1/sub/b.nc").path])
        XCTAssertEqual(listed?.first?["digest"] as? String, SHA256.hex(of: Data("alpha".utf8)))

        let requests = try await fixture.call("GET", "request?name=alice")
        let all = try XCTUnwrap(try requests.object()["requests"] as? [[String: Any]])
        XCTAssertEqual(all.count, 1)
        XCTAssertEqual(all.first?["migration_id"] as? Int, batchID)
        XCTAssertNil(all.first?["filelist"], "list form has no filelist")
    }

    func testQuotaExceededIsForbiddenAndCreatesNothing() async throws {
        let fixture = try JDMAFixture(tapeDelay: nil)
        fixture.emulator.addUser("alice", workspaces: ["gws-small"], quotaBytes: 100)
        let path = try fixture.writeShared("big.dat", Data(count: 101))
        let reply = try await fixture.call("POST", "request", json: [
            "name": "alice", "workspace": "gws-small", "filelist": [path], "request_type": "PUT", "storage": "elastictape",
        ])
        XCTAssertEqual(reply.status, 403)
        XCTAssertTrue((try reply.object()["error"] as? String)?.contains("insufficient quota") == true, reply.text)
        XCTAssertEqual(fixture.emulator.quotaUsed(workspace: "gws-small"), 0)
        let batches = try await fixture.call("GET", "migration/?name=alice")
        XCTAssertEqual((try batches.object()["migrations"] as? [Any])?.count, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
    }

    func testPutOfMissingPathAndGetOfBatchNotOnStorage() async throws {
        let fixture = try JDMAFixture(tapeDelay: nil)
        try JDMADemoData.seedDemo(into: fixture.emulator)
        let missing = try await fixture.call("POST", "request", json: [
            "name": "demo", "workspace": "gws-climate", "filelist": ["/no/such/file"], "request_type": "PUT",
            "storage": "elastictape",
        ])
        XCTAssertEqual(missing.status, 404)

        let putting = try fixture.emulator.addBatch(user: "demo", workspace: "gws-climate", label: "fresh",
                                                    files: ["x.txt": Data("x".utf8)], onTape: false)
        XCTAssertEqual(fixture.emulator.batchStage(putting), .putting)
        let early = try await fixture.call("POST", "request", json: [
            "name": "demo", "request_type": "GET", "migration_id": putting, "target_path": fixture.shared.path + "/t",
        ])
        XCTAssertEqual(early.status, 403)
        XCTAssertTrue((try early.object()["error"] as? String)?.contains("ON_STORAGE") == true)
        fixture.emulator.completeAllRequests()
        XCTAssertEqual(fixture.emulator.batchStage(putting), .onStorage)
    }

    func testModifyAndDeleteBatch() async throws {
        let fixture = try JDMAFixture(tapeDelay: nil)
        let ids = try JDMADemoData.seedDemo(into: fixture.emulator)
        let used = fixture.emulator.quotaUsed(workspace: "gws-climate")
        let renamed = try await fixture.call("PUT", "migration/?name=demo&migration_id=\(ids[2])", json: ["label": "stations"])
        XCTAssertEqual(renamed.status, 200)
        XCTAssertEqual(try renamed.object()["label"] as? String, "stations")
        let empty = try await fixture.call("PUT", "migration/?name=demo&migration_id=\(ids[2])", json: ["label": ""])
        XCTAssertEqual(empty.status, 404)

        let delete = try await fixture.call("POST", "request", json: [
            "name": "demo", "request_type": "DELETE", "migration_id": ids[2], "storage": "elastictape", "credentials": [:],
        ])
        XCTAssertEqual(delete.status, 200, delete.text)
        XCTAssertEqual(try delete.object()["stage"] as? Int, 200)
        XCTAssertEqual(try delete.object()["label"] as? String, "stations")
        XCTAssertEqual(fixture.emulator.batchStage(ids[2]), .deleting)
        let twice = try await fixture.call("POST", "request", json: ["name": "demo", "request_type": "DELETE", "migration_id": ids[2]])
        XCTAssertEqual(twice.status, 403)

        fixture.emulator.completeAllRequests()
        XCTAssertEqual(fixture.emulator.batchStage(ids[2]), .deleted)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.emulator.storedFile(batch: ids[2], path: "stations.csv").path))
        XCTAssertLessThan(fixture.emulator.quotaUsed(workspace: "gws-climate"), used)
    }

    func testInjectedFaultIsLogged() async throws {
        let fixture = try JDMAFixture()
        try JDMADemoData.seedDemo(into: fixture.emulator)
        fixture.emulator.faults.add(method: "GET", pathPrefix: "/jdma_control/api/v1/migration/", action: .status(500))
        let failed = try await fixture.call("GET", "migration/?name=demo")
        XCTAssertEqual(failed.status, 500)
        let ok = try await fixture.call("GET", "migration/?name=demo")
        XCTAssertEqual(ok.status, 200)
        XCTAssertEqual(fixture.emulator.requestLog.entries(method: "GET", pathPrefix: "/jdma_control/api/v1/migration/")
            .map(\.status), [500, 200])
    }
}
