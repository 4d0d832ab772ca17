@testable import SciencefsStore
import XCTest

final class TransferJobJournalTests: XCTestCase {
    func testJobsSurviveReopeningAndAreAppliedOnce() throws {
        let dir = try makeTemporaryDirectory(self).appendingPathComponent("store")
        let store = try MetadataStore(directory: dir)
        try store.addTransferJob(TransferJobRecord(service: "fts3", jobID: "j1", state: "SUBMITTED", files: "[]", origin: "mount"))
        try store.addTransferJob(TransferJobRecord(service: "fts3", jobID: "j2", state: "SUBMITTED", files: "[]", origin: "cli"))
        try store.updateTransferJob(service: "fts3", jobID: "j1", state: "FAILED", reason: "checksum mismatch", files: "[1]")

        let reopened = try MetadataStore(directory: dir)
        let j1 = try XCTUnwrap(reopened.transferJob(service: "fts3", jobID: "j1"))
        XCTAssertEqual(j1.state, "FAILED")
        XCTAssertEqual(j1.reason, "checksum mismatch")
        XCTAssertEqual(j1.files, "[1]")
        XCTAssertEqual(Set(try reopened.unappliedTransferJobs().map(\.jobID)), ["j1", "j2"])
        try reopened.markTransferJobApplied(service: "fts3", jobID: "j1")
        XCTAssertEqual(try reopened.unappliedTransferJobs().map(\.jobID), ["j2"])
        XCTAssertEqual(try reopened.transferJobs().count, 2)
        try reopened.updateTransferJob(service: "fts3", jobID: "unknown", state: "FINISHED", reason: nil, files: "[]")
        XCTAssertNil(try reopened.transferJob(service: "fts3", jobID: "unknown"))
    }
}
