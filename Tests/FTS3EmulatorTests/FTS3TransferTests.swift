@testable import FTS3Emulator
import Foundation
import SciencefsHTTP
import XCTest

/// Jobs end to end: states and progress, real copies between the Rucio emulator's RSE storages with Adler-32
/// verification, injected failures, overwrite, cancel, and the multi-id and validation rules (docs/protocols/fts3.md §3–4).
final class FTS3TransferTests: XCTestCase {
    private var fixture: FTS3EmulatorFixture!

    override func setUpWithError() throws {
        fixture = try FTS3EmulatorFixture(transferDuration: 0.5)
    }

    override func tearDownWithError() throws {
        fixture?.tearDown()
    }

    override class func tearDown() {
        SharedTestPKI.remove()
        super.tearDown()
    }

    func testJobMovesThroughStatesWhileBytesAreCopied() throws {
        let size = 3 << 20
        let source = try fixture.sourceFile("states.bin", size: size, seed: 11)
        let destination = fixture.destinationURL("out/states.bin", scheme: "dav")
        let id = try fixture.submit([FTS3EmulatorFixture.transfer(source.url, destination, checksum: "ADLER32:" + source.adler32,
                                                                  filesize: size)],
                                    params: ["verify_checksum": true, "job_metadata": ["run": 42]])

        var jobStates: [String] = []
        var progress: [Int] = []
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let job = try fixture.call(.get, "//jobs/\(id)").object
            let state = try XCTUnwrap(job["job_state"] as? String)
            if jobStates.last != state { jobStates.append(state) }
            if state == "ACTIVE", let transferred = try fixture.files(id).first?["transferred"] as? Int { progress.append(transferred) }
            if ["FINISHED", "FAILED", "FINISHEDDIRTY", "CANCELED"].contains(state) { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTAssertEqual(jobStates, ["SUBMITTED", "ACTIVE", "FINISHED"])
        XCTAssertTrue(progress.contains { $0 > 0 && $0 < size }, "transferred grows during ACTIVE: \(progress)")
        XCTAssertEqual(progress, progress.sorted(), "progress never goes back")

        let job = try fixture.call(.get, "//jobs/\(id)").object
        XCTAssertEqual(job["http_status"] as? String, "200 Ok")
        XCTAssertEqual(job["verify_checksum"] as? String, "b")
        XCTAssertEqual(job["vo_name"] as? String, "dteam")
        XCTAssertEqual((job["job_metadata"] as? [String: Any])?["run"] as? Int, 42)
        XCTAssertNotNil(job["job_finished"] as? String)
        XCTAssertTrue(job["reason"] is NSNull)

        let file = try XCTUnwrap(try fixture.files(id).first)
        XCTAssertEqual(file["file_state"] as? String, "FINISHED")
        XCTAssertEqual(file["source_surl"] as? String, source.url)
        XCTAssertEqual(file["dest_surl"] as? String, destination)
        XCTAssertEqual(file["filesize"] as? Int, size)
        XCTAssertEqual(file["transferred"] as? Int, size)
        XCTAssertEqual(file["checksum"] as? String, "ADLER32:" + source.adler32)
        let started = try XCTUnwrap(file["start_time"] as? String), finished = try XCTUnwrap(file["finish_time"] as? String)
        XCTAssertTrue(started <= finished)
        XCTAssertGreaterThanOrEqual(file["tx_duration"] as? Double ?? 0, 0.5, "ACTIVE for at least the transfer duration")

        let copied = try Data(contentsOf: fixture.destinationFile("out/states.bin"))
        XCTAssertEqual(copied, try Data(contentsOf: fixture.rucio.storageFile(rse: "SITE_A", scope: FTS3EmulatorFixture.scope,
                                                                              name: "states.bin")))
        XCTAssertGreaterThanOrEqual(fixture.fts.bytesCopied, UInt64(size))
        XCTAssertEqual(fixture.fts.jobState(id), "FINISHED")
        XCTAssertEqual(fixture.fts.jobIDs(), [id])
    }

    func testFailFilesFailsOnlyMatchingFiles() throws {
        fixture.fts.failFiles(matching: "doomed", reason: "TRANSFER [70] injected by the test")
        let good = try fixture.sourceFile("good.bin", size: 2048, seed: 3)
        let doomed = try fixture.sourceFile("doomed.bin", size: 2048, seed: 4)
        let id = try fixture.submit([FTS3EmulatorFixture.transfer(good.url, fixture.destinationURL("good.bin")),
                                     FTS3EmulatorFixture.transfer(doomed.url, fixture.destinationURL("doomed.bin"))])
        let job = try fixture.waitForJob(id)
        XCTAssertEqual(job["job_state"] as? String, "FINISHEDDIRTY")
        let files = try fixture.files(id)
        XCTAssertEqual(files.map { $0["file_state"] as? String }, ["FINISHED", "FAILED"])
        XCTAssertEqual(files[1]["reason"] as? String, "TRANSFER [70] injected by the test")
        XCTAssertNotNil(files[1]["start_time"] as? String, "the failing file went ACTIVE first")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.destinationFile("doomed.bin").path))
    }

    func testWrongChecksumFailsAtSourceOrAtTarget() throws {
        let source = try fixture.sourceFile("checked.bin", size: 70_000, seed: 5)
        let wrong = source.adler32 == "00000001" ? "ADLER32:00000002" : "ADLER32:00000001"

        // Source verification: the copy never reaches the destination.
        let both = try fixture.submit([FTS3EmulatorFixture.transfer(source.url, fixture.destinationURL("both.bin"), checksum: wrong)],
                                      params: ["verify_checksum": "both"])
        // Target only: the destination is written, read back, found wrong and removed.
        let target = try fixture.submit([FTS3EmulatorFixture.transfer(source.url, fixture.destinationURL("target.bin"), checksum: wrong)],
                                        params: ["verify_checksum": "target"])
        // Target with the right value passes.
        let right = try fixture.submit([FTS3EmulatorFixture.transfer(source.url, fixture.destinationURL("right.bin"),
                                                                     checksum: "ADLER32:" + source.adler32.uppercased())],
                                       params: ["verify_checksum": "target"])

        XCTAssertEqual(try fixture.waitForJob(both)["job_state"] as? String, "FAILED")
        let bothReason = try fixture.files(both).first?["reason"] as? String ?? ""
        XCTAssertTrue(bothReason.hasPrefix("SOURCE"), bothReason)
        XCTAssertTrue(bothReason.lowercased().contains("checksum mismatch"), bothReason)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.destinationFile("both.bin").path))

        let targetJob = try fixture.waitForJob(target)
        XCTAssertEqual(targetJob["job_state"] as? String, "FAILED")
        XCTAssertEqual(targetJob["verify_checksum"] as? String, "t")
        let targetReason = try fixture.files(target).first?["reason"] as? String ?? ""
        XCTAssertTrue(targetReason.hasPrefix("DESTINATION"), targetReason)
        XCTAssertTrue(targetReason.contains(source.adler32), "names the checksum found: \(targetReason)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.destinationFile("target.bin").path),
                       "a copy that failed verification is cleaned up")

        XCTAssertEqual(try fixture.waitForJob(right)["job_state"] as? String, "FINISHED")
        XCTAssertEqual(try FTS3EmulatorFixture.adler32(of: fixture.destinationFile("right.bin")), source.adler32)
    }

    func testExistingDestinationIsKeptUnlessOverwriteIsEnabled() throws {
        let source = try fixture.sourceFile("overwrite.bin", size: 10_000, seed: 6)
        let existing = fixture.destinationFile("existing.bin")
        try FileManager.default.createDirectory(at: existing.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("already here".utf8).write(to: existing)

        let refused = try fixture.submit([FTS3EmulatorFixture.transfer(source.url, fixture.destinationURL("existing.bin"))],
                                         params: ["overwrite": false])
        XCTAssertEqual(try fixture.waitForJob(refused)["job_state"] as? String, "FAILED")
        let reason = try fixture.files(refused).first?["reason"] as? String ?? ""
        XCTAssertTrue(reason.hasPrefix("DESTINATION OVERWRITE"), reason)
        XCTAssertTrue(reason.contains("file exists and overwrite is not enabled"), reason)
        XCTAssertEqual(try Data(contentsOf: existing), Data("already here".utf8), "the existing file is untouched")

        let replaced = try fixture.submit([FTS3EmulatorFixture.transfer(source.url, fixture.destinationURL("existing.bin"))],
                                          params: ["overwrite": true])
        let job = try fixture.waitForJob(replaced)
        XCTAssertEqual(job["job_state"] as? String, "FINISHED")
        XCTAssertEqual(job["overwrite_flag"] as? Bool, true)
        XCTAssertEqual(try FTS3EmulatorFixture.adler32(of: existing), source.adler32)
    }

    func testMissingSourceAndWrongSizeFailTheFile() throws {
        let source = try fixture.sourceFile("sized.bin", size: 4096, seed: 7)
        let missing = source.url.replacingOccurrences(of: "sized.bin", with: "nothing-here.bin")
        let id = try fixture.submit([FTS3EmulatorFixture.transfer(missing, fixture.destinationURL("missing.bin")),
                                     FTS3EmulatorFixture.transfer(source.url, fixture.destinationURL("sized.bin"), filesize: 4095)])
        XCTAssertEqual(try fixture.waitForJob(id)["job_state"] as? String, "FAILED")
        let reasons = try fixture.files(id).map { $0["reason"] as? String ?? "" }
        XCTAssertTrue(reasons[0].hasPrefix("SOURCE [2]"), reasons[0])
        XCTAssertTrue(reasons[1].contains("User specified source file size is 4095 but stat returned 4096"), reasons[1])
    }

    func testCancelStopsTheJobAndCancelingAgainIsNotAnError() throws {
        var entries: [[String: Any]] = []
        for index in 0..<3 {
            let source = try fixture.sourceFile("cancel-\(index).bin", size: 1 << 20, seed: UInt64(20 + index))
            entries.append(FTS3EmulatorFixture.transfer(source.url, fixture.destinationURL("cancel-\(index).bin")))
        }
        let id = try fixture.submit(entries)
        let deadline = Date().addingTimeInterval(10)
        while fixture.fts.jobState(id) != "ACTIVE", Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }

        let canceled = try fixture.call(.delete, "//jobs/\(id)")
        XCTAssertEqual(canceled.status, 200, canceled.text)
        XCTAssertEqual(canceled.object["job_state"] as? String, "CANCELED")
        XCTAssertEqual(canceled.object["http_status"] as? String, "200 Ok")
        XCTAssertEqual(canceled.object["reason"] as? String, "Job canceled by the user")
        XCTAssertNotNil(canceled.object["job_finished"] as? String)

        Thread.sleep(forTimeInterval: 1)  // longer than a file's transfer: nothing restarts
        XCTAssertEqual(fixture.fts.jobState(id), "CANCELED")
        XCTAssertEqual(try fixture.files(id).map { $0["file_state"] as? String }, ["CANCELED", "CANCELED", "CANCELED"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.destinationFile("cancel-2.bin").path))

        let again = try fixture.call(.delete, "//jobs/\(id)")
        XCTAssertEqual(again.status, 200, again.text)
        XCTAssertEqual(again.object["http_status"] as? String, "304 Not Modified")
        XCTAssertEqual(again.object["job_state"] as? String, "CANCELED")
    }

    func testSeveralIDsAndFieldsAndListing() throws {
        let source = try fixture.sourceFile("multi.bin", size: 100, seed: 8)
        let id = try fixture.submit([FTS3EmulatorFixture.transfer(source.url, fixture.destinationURL("multi.bin"))])

        let listed = try fixture.call(.get, "//jobs").array.compactMap { $0["job_id"] as? String }
        XCTAssertEqual(listed, [id], "unfinished jobs are listed")
        fixture.waitForJobQuietly(id)
        XCTAssertEqual(try fixture.call(.get, "//jobs").array.count, 0, "finished jobs are hidden")
        XCTAssertEqual(try fixture.call(.get, "//jobs?state_in=FINISHED&limit=10").array.first?["job_id"] as? String, id)

        let both = try fixture.call(.get, "//jobs/\(id),no-such-job")
        XCTAssertEqual(both.status, 207, both.text)
        XCTAssertEqual(both.array.map { $0["http_status"] as? String }, ["200 Ok", "404 Not Found"])
        let missing = try fixture.call(.get, "//jobs/no-such-job")
        XCTAssertEqual(missing.status, 404)

        let withFiles = try fixture.call(.get, "//jobs/\(id)?files=file_state,dest_surl").object
        XCTAssertEqual((withFiles["files"] as? [[String: Any]])?.first?.keys.sorted(), ["dest_surl", "file_state"])
        XCTAssertEqual(try fixture.call(.get, "//jobs/\(id)/job_state").json as? String, "FINISHED")
        XCTAssertEqual(try fixture.call(.get, "//jobs/\(id)/dm").array.count, 0)
        let fileID = try XCTUnwrap(try fixture.files(id).first?["file_id"] as? Int)
        XCTAssertEqual(try fixture.call(.delete, "//jobs/\(id)/files/\(fileID)").json as? String, "FINISHED",
                       "canceling a finished file reports its state")
    }

    func testMultiReplicaJobFallsBackAndMultihopJobRunsHopsInOrder() throws {
        let source = try fixture.sourceFile("replica.bin", size: 50_000, seed: 9)
        let missing = source.url.replacingOccurrences(of: "replica.bin", with: "lost-replica.bin")
        let replicas = try fixture.submit([["sources": [missing, source.url], "destinations": [fixture.destinationURL("replica.bin")]]])
        let hops = try fixture.submit([FTS3EmulatorFixture.transfer(source.url, fixture.destinationURL("hop1.bin")),
                                       FTS3EmulatorFixture.transfer(fixture.destinationURL("hop1.bin"), fixture.destinationURL("hop2.bin"))],
                                      params: ["multihop": true])
        XCTAssertEqual(try fixture.files(hops).map { $0["file_state"] as? String }, ["SUBMITTED", "NOT_USED"])

        let replicaJob = try fixture.waitForJob(replicas)
        XCTAssertEqual(replicaJob["job_type"] as? String, "R")
        XCTAssertEqual(replicaJob["job_state"] as? String, "FINISHED", "the second replica was used")
        XCTAssertEqual(try fixture.files(replicas).map { $0["file_state"] as? String }, ["FAILED", "FINISHED"])

        let hopJob = try fixture.waitForJob(hops)
        XCTAssertEqual(hopJob["job_type"] as? String, "H")
        XCTAssertEqual(hopJob["job_state"] as? String, "FINISHED")
        XCTAssertEqual(try FTS3EmulatorFixture.adler32(of: fixture.destinationFile("hop2.bin")), source.adler32)
    }

    func testInvalidSubmissionsAreRefusedWithAMessage() throws {
        let noDestinations = try fixture.call(.post, "//jobs", json: ["files": [["sources": ["http://127.0.0.1:1/a"], "destinations": []]]])
        XCTAssertEqual(noDestinations.status, 400, noDestinations.text)
        XCTAssertEqual(noDestinations.object["status"] as? String, "400 Bad Request")
        XCTAssertTrue((noDestinations.object["message"] as? String ?? "").contains("destinations"), noDestinations.text)

        let noFiles = try fixture.call(.post, "//jobs", json: ["params": [:] as [String: Any]])
        XCTAssertEqual(noFiles.status, 400, noFiles.text)
        let badURL = try fixture.call(.post, "//jobs", json: ["files": [["sources": ["not a url"], "destinations": ["http://h/x"]]]])
        XCTAssertEqual(badURL.status, 400, badURL.text)
        let badMode = try fixture.call(.post, "//jobs", json: ["files": [FTS3EmulatorFixture.transfer("http://h/a", "http://h/b")],
                                                               "params": ["verify_checksum": "sometimes"]])
        XCTAssertEqual(badMode.status, 400, badMode.text)
        XCTAssertTrue(fixture.fts.jobIDs().isEmpty)
    }
}

extension FTS3EmulatorFixture {
    func waitForJobQuietly(_ id: String) {
        _ = try? waitForJob(id)
    }
}
