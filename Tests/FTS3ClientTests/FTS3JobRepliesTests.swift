@testable import FTS3Client
import Foundation
import SciencefsCore
import XCTest

/// Parsing of `GET /jobs/{id}`, `GET /jobs/{id}/files` and `DELETE /jobs/{id}` replies (docs/protocols/fts3.md §3.3–3.4).
final class FTS3JobRepliesTests: XCTestCase {
    private let jobID = "6b5e8c3a-1f2d-11ef-9a5c-02420a0b0c0d"

    private func data(_ text: String) -> Data { Data(text.utf8) }

    func testJobObjectAsTheServerSendsIt() throws {
        let body = data("""
        {"job_id":"\(jobID)","job_state":"FAILED","job_type":"N","source_se":"davs://a.example","dest_se":"davs://b.example",
         "user_dn":"/DC=org/CN=Alice","cred_id":"0123456789abcdef","vo_name":"dteam","reason":"One or more files failed",
         "submit_time":"2024-05-01T10:20:30","job_finished":"2024-05-01T10:21:00","priority":3,"verify_checksum":"b",
         "overwrite_flag":false,"retry":0,"job_metadata":null,"http_status":"200 Ok"}
        """)
        let job = try FTS3JobReplies.job(body, jobID: jobID, operation: "status")
        XCTAssertEqual(job.jobState, "FAILED")
        let status = try FTS3JobReplies.status(jobID: jobID, job: job, files: [], operation: "status")
        XCTAssertEqual(status.state, .failed)
        XCTAssertEqual(status.reason, "One or more files failed")
        XCTAssertEqual(status.jobID, jobID)
    }

    func testEmptyOrNullReasonBecomesNil() throws {
        for reason in ["\"\"", "null", "\"  \""] {
            let job = try FTS3JobReplies.job(data("{\"job_id\":\"\(jobID)\",\"job_state\":\"ACTIVE\",\"reason\":\(reason)}"),
                                             jobID: jobID, operation: "status")
            let status = try FTS3JobReplies.status(jobID: jobID, job: job, files: [], operation: "status")
            XCTAssertNil(status.reason, "reason \(reason)")
            XCTAssertEqual(status.state, .active)
        }
    }

    func testJobWithoutStateIsMalformed() throws {
        let job = try FTS3JobReplies.job(data("{\"job_id\":\"\(jobID)\"}"), jobID: jobID, operation: "status")
        XCTAssertThrowsError(try FTS3JobReplies.status(jobID: jobID, job: job, files: [], operation: "status")) { error in
            guard case .io(let why)? = error as? FSError else { return XCTFail("got \(error)") }
            XCTAssertTrue(why.description.contains("job_state"), why.description)
        }
    }

    func testMultiStatusArrayPicksOurJobAndMapsItsFailure() throws {
        let other = "11111111-2222-3333-4444-555555555555"
        let mixed = data("""
        [{"job_id":"\(other)","job_state":"FINISHED","http_status":"200 Ok"},
         {"job_id":"\(jobID)","http_status":"404 Not Found","http_message":"No job with the id \(jobID) has been found"}]
        """)
        XCTAssertThrowsError(try FTS3JobReplies.job(mixed, jobID: jobID, operation: "status")) { error in
            XCTAssertEqual(error as? FSError, .notFound)
        }
        XCTAssertEqual(try FTS3JobReplies.job(mixed, jobID: other, operation: "status").jobState, "FINISHED")

        let forbidden = data("[{\"job_id\":\"\(jobID)\",\"http_status\":\"403 Forbidden\",\"http_message\":\"not yours\"}]")
        XCTAssertThrowsError(try FTS3JobReplies.job(forbidden, jobID: jobID, operation: "cancel")) { error in
            XCTAssertEqual(error as? FSError, .permissionDenied)
        }
        let absent = data("[{\"job_id\":\"\(other)\",\"job_state\":\"FINISHED\"},{\"job_id\":\"x\",\"job_state\":\"FAILED\"}]")
        XCTAssertThrowsError(try FTS3JobReplies.job(absent, jobID: jobID, operation: "status")) { error in
            guard case .io? = error as? FSError else { return XCTFail("got \(error)") }
        }
    }

    func testCancelOfAnEndedJobIsNotAnError() throws {
        let body = data("{\"job_id\":\"\(jobID)\",\"job_state\":\"FINISHED\",\"reason\":null,\"http_status\":\"304 Not Modified\"}")
        XCTAssertEqual(try FTS3JobReplies.job(body, jobID: jobID, operation: "cancel").jobState, "FINISHED")
        let canceled = data("{\"job_id\":\"\(jobID)\",\"job_state\":\"CANCELED\",\"reason\":\"Job canceled by the user\",\"http_status\":\"200 Ok\"}")
        XCTAssertEqual(try FTS3JobReplies.job(canceled, jobID: jobID, operation: "cancel").reason, "Job canceled by the user")
    }

    func testNotJSONIsADecodingError() {
        XCTAssertThrowsError(try FTS3JobReplies.job(data("<html>bad gateway</html>"), jobID: jobID, operation: "status")) { error in
            XCTAssertTrue(error is DecodingError, "got \(error)")
            guard case .io(let why) = FTS3ErrorMapping.fsError(error, operation: "status") else { return XCTFail() }
            XCTAssertTrue(why.description.contains("malformed"), why.description)
        }
    }

    func testFileRowsAsTheServerSendsThem() throws {
        let body = data("""
        [{"file_id":42,"file_index":1,"job_id":"\(jobID)","file_state":"FAILED","source_surl":"davs://a/2","dest_surl":"davs://b/2",
          "source_se":"davs://a","dest_se":"davs://b","reason":"TRANSFER [5] DESTINATION OVERWRITE disabled","filesize":2048,
          "user_filesize":2048,"checksum":"ADLER32:00000001","start_time":"2024-05-01T10:20:31","finish_time":"2024-05-01T10:20:40",
          "tx_duration":9.0,"throughput":0.2,"retry":0,"file_metadata":{"k":"v"},"activity":"default"},
         {"file_id":41,"file_index":0,"job_id":"\(jobID)","file_state":"FINISHED","source_surl":"davs://a/1","dest_surl":"davs://b/1",
          "reason":"","filesize":1024,"user_filesize":1024}]
        """)
        let files = try FTS3JobReplies.files(body)
        XCTAssertEqual(files, [
            TransferFileStatus(source: "davs://a/1", destination: "davs://b/1", state: "FINISHED", reason: nil, size: 1024,
                               transferred: 1024),
            TransferFileStatus(source: "davs://a/2", destination: "davs://b/2", state: "FAILED",
                               reason: "TRANSFER [5] DESTINATION OVERWRITE disabled", size: 2048, transferred: 0),
        ])
    }

    func testMissingTransferredIsTheSizeOnlyOnceFinished() throws {
        let rows = try FTS3JobReplies.files(data("""
        [{"file_index":0,"file_state":"ACTIVE","source_surl":"s://a","dest_surl":"s://b","filesize":100},
         {"file_index":1,"file_state":"ACTIVE","source_surl":"s://c","dest_surl":"s://d","filesize":100,"transferred":40},
         {"file_index":2,"file_state":"FINISHED","source_surl":"s://e","dest_surl":"s://f","filesize":100}]
        """))
        XCTAssertEqual(rows.map(\.transferred), [0, 40, 100])
        let status = TransferJobStatus(jobID: jobID, state: .active, files: rows)
        XCTAssertEqual(status.bytesTransferred, 140)
        XCTAssertEqual(status.bytesTotal, 300)
        XCTAssertEqual(status.filesFinished, 1)
    }

    func testSparseRowsAndLenientNumbers() throws {
        let rows = try FTS3JobReplies.files(data("""
        [{"file_state":"submitted"},
         {"file_state":"FINISHED","filesize":null,"user_filesize":512},
         {"file_state":"FINISHED","filesize":0,"user_filesize":"2048"},
         {"file_state":"ACTIVE","filesize":1048576.0,"transferred":"10"}]
        """))
        XCTAssertEqual(rows[0], TransferFileStatus(source: "", destination: "", state: "SUBMITTED", size: nil, transferred: 0))
        XCTAssertEqual(rows[1].size, 512)
        XCTAssertEqual(rows[1].transferred, 512)
        XCTAssertEqual(rows[2].size, 2048, "a zero filesize falls back to the declared size")
        XCTAssertEqual(rows[3].size, 1_048_576)
        XCTAssertEqual(rows[3].transferred, 10)
    }

    func testNegativeOrFractionalSizesAreRejected() {
        for value in ["-1", "1.5", "\"many\"", "true"] {
            XCTAssertThrowsError(try FTS3JobReplies.files(data("[{\"file_state\":\"ACTIVE\",\"filesize\":\(value)}]")),
                                 "filesize \(value)")
        }
    }

    func testRowsWithoutIndexKeepServerOrder() throws {
        let rows = try FTS3JobReplies.files(data("""
        [{"file_state":"ACTIVE","source_surl":"s://1"},{"file_state":"ACTIVE","source_surl":"s://2"},
         {"file_state":"ACTIVE","source_surl":"s://3"}]
        """))
        XCTAssertEqual(rows.map(\.source), ["s://1", "s://2", "s://3"])
    }

    func testWhoAmIDecodesRequiredAndOptionalFields() throws {
        let full = try JSONDecoder().decode(FTS3WhoAmI.self, from: data("""
        {"user_dn":"/DC=org/DC=example/CN=Alice","dn":["/DC=org/DC=example/CN=Alice"],"base_id":"a-b","voms_cred":[],
         "vos":["dteam"],"vos_id":["x"],"roles":{},"level":{"transfer":"vo"},"delegation_id":"0123456789abcdef",
         "method":"certificate","is_root":false}
        """))
        XCTAssertEqual(full, FTS3WhoAmI(userDN: "/DC=org/DC=example/CN=Alice", delegationID: "0123456789abcdef",
                                        method: "certificate", vos: ["dteam"]))
        let sparse = try JSONDecoder().decode(FTS3WhoAmI.self, from: data("{\"user_dn\":\"/CN=x\",\"delegation_id\":\"ab\"}"))
        XCTAssertEqual(sparse.method, "")
        XCTAssertEqual(sparse.vos, [])
        XCTAssertThrowsError(try JSONDecoder().decode(FTS3WhoAmI.self, from: data("{\"user_dn\":\"/CN=x\"}")))
    }
}
