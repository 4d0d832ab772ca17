@testable import FTS3Client
import Foundation
import SciencefsCore
import XCTest

/// The `POST /jobs` body (docs/protocols/fts3.md §3.2), checked as JSON the server would parse.
final class FTS3SubmissionTests: XCTestCase {
    private func json(_ files: [TransferFile], _ options: TransferOptions = TransferOptions()) throws -> [String: Any] {
        let data = try FTS3Submission(files: files, options: options).encoded()
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testFileEntryCarriesSourceDestinationChecksumSizeMetadataAndActivity() throws {
        let file = TransferFile(source: "davs://a.example:443/data/f1", destination: "davs://b.example/data/f1",
                                adler32: "0a1b2c3d", size: 1_048_576, metadata: ["mount_path": "/x/f1"])
        let body = try json([file])
        let files = try XCTUnwrap(body["files"] as? [[String: Any]])
        XCTAssertEqual(files.count, 1)
        let entry = files[0]
        XCTAssertEqual(entry["sources"] as? [String], ["davs://a.example:443/data/f1"])
        XCTAssertEqual(entry["destinations"] as? [String], ["davs://b.example/data/f1"])
        XCTAssertEqual(entry["checksum"] as? String, "ADLER32:0a1b2c3d")
        XCTAssertEqual((entry["filesize"] as? NSNumber)?.uint64Value, 1_048_576)
        XCTAssertEqual(entry["metadata"] as? [String: String], ["mount_path": "/x/f1"])
        XCTAssertEqual(entry["activity"] as? String, "default")
    }

    func testUnknownChecksumAsksForTheTypeAndUnknownSizeIsLeftOut() throws {
        let body = try json([TransferFile(source: "root://a//f", destination: "root://b//f")])
        let entry = try XCTUnwrap((body["files"] as? [[String: Any]])?.first)
        XCTAssertEqual(entry["checksum"] as? String, "ADLER32")
        XCTAssertNil(entry["filesize"])
        XCTAssertNil(entry["metadata"], "empty metadata is not sent")
    }

    func testChecksumIsNormalisedToEightLowercaseHexDigits() {
        XCTAssertEqual(FTS3Submission.checksum(adler32: "0A1B2C3D"), "ADLER32:0a1b2c3d")
        XCTAssertEqual(FTS3Submission.checksum(adler32: "1b2c3d"), "ADLER32:001b2c3d")
        XCTAssertEqual(FTS3Submission.checksum(adler32: "adler32:deadbeef"), "ADLER32:deadbeef")
        XCTAssertEqual(FTS3Submission.checksum(adler32: "not-hex!"), "ADLER32")
        XCTAssertEqual(FTS3Submission.checksum(adler32: "123456789"), "ADLER32", "more than 32 bits is not an Adler-32")
        XCTAssertEqual(FTS3Submission.checksum(adler32: ""), "ADLER32")
        XCTAssertEqual(FTS3Submission.checksum(adler32: nil), "ADLER32")
    }

    func testParamsFollowTheOptions() throws {
        let options = TransferOptions(overwrite: false, verifyChecksum: true, retry: 3, priority: 4,
                                      metadata: ["requested_by": "sciencefs"])
        let params = try XCTUnwrap(json([TransferFile(source: "s://a", destination: "s://b")], options)["params"] as? [String: Any])
        XCTAssertEqual(params["verify_checksum"] as? String, "both")
        XCTAssertEqual(params["overwrite"] as? Bool, false)
        XCTAssertEqual(params["retry"] as? Int, 3)
        XCTAssertEqual(params["priority"] as? Int, 4)
        XCTAssertEqual(params["job_metadata"] as? [String: String], ["requested_by": "sciencefs"])
    }

    func testNoVerificationAndPriorityClampedToTheServersRange() throws {
        let options = TransferOptions(overwrite: true, verifyChecksum: false, retry: 0, priority: 9)
        let params = try XCTUnwrap(json([TransferFile(source: "s://a", destination: "s://b")], options)["params"] as? [String: Any])
        XCTAssertEqual(params["verify_checksum"] as? String, "none")
        XCTAssertEqual(params["overwrite"] as? Bool, true)
        XCTAssertEqual(params["priority"] as? Int, 5)
        XCTAssertNil(params["job_metadata"])
        let low = try XCTUnwrap(json([TransferFile(source: "s://a", destination: "s://b")],
                                     TransferOptions(priority: -2))["params"] as? [String: Any])
        XCTAssertEqual(low["priority"] as? Int, 1)
    }

    func testSeveralFilesKeepTheirOrder() throws {
        let files = (1...3).map { TransferFile(source: "s://a/\($0)", destination: "s://b/\($0)") }
        let entries = try XCTUnwrap(json(files)["files"] as? [[String: Any]])
        XCTAssertEqual(entries.map { ($0["sources"] as? [String])?.first }, ["s://a/1", "s://a/2", "s://a/3"])
    }

    func testEmptyJobOrMissingURLIsInvalid() {
        XCTAssertThrowsError(try FTS3Submission(files: [], options: TransferOptions())) { error in
            guard case .invalidArgument? = error as? FSError else { return XCTFail("got \(error)") }
        }
        XCTAssertThrowsError(try FTS3Submission(files: [TransferFile(source: " ", destination: "s://b")],
                                                options: TransferOptions())) { error in
            guard case .invalidArgument? = error as? FSError else { return XCTFail("got \(error)") }
        }
    }

    func testBodyIsDeterministicAndSlashesAreNotEscaped() throws {
        let files = [TransferFile(source: "https://a/x", destination: "https://b/y", metadata: ["b": "2", "a": "1"])]
        let one = try FTS3Submission(files: files, options: TransferOptions()).encoded()
        let two = try FTS3Submission(files: files, options: TransferOptions()).encoded()
        XCTAssertEqual(one, two)
        XCTAssertTrue(String(decoding: one, as: UTF8.self).contains("\"https://a/x\""))
    }
}
