import Foundation
import XCTest
@testable import JDMABackend
import SciencefsCore
import SciencefsHTTP

/// The JSON shapes of docs/protocols/jdma.md §4, decoded.
final class JDMAParsingTests: XCTestCase {
    func testBatchListAndSingleBatch() throws {
        let list = Data("""
        {"migrations":[{"migration_id":7,"user":"alice","workspace":"cmip","label":"run 1","stage":2,
          "storage":"elastictape","external_id":"et-42","registered_date":"2026-11-20T10:11:12.345678+00:00"},
         {"migration_id":"8","user":"alice","workspace":"cmip","label":null,"stage":1,"storage":"objectstore"}]}
        """.utf8)
        let batches = try JSONDecoder().decode(JDMABatchList.self, from: list).migrations
        XCTAssertEqual(batches.count, 2)
        XCTAssertEqual(batches[0], JDMABatchRecord(id: 7, user: "alice", workspace: "cmip", label: "run 1", stage: 2,
                                                   storage: "elastictape", externalID: "et-42",
                                                   registeredDate: "2026-11-20T10:11:12.345678+00:00"))
        XCTAssertEqual(batches[1].id, 8, "ids may arrive as strings")
        XCTAssertEqual(batches[1].label, "", "a null label decodes as empty (named batch-<id> later)")
        XCTAssertNil(batches[1].externalID)
    }

    func testRequestEchoAndGetForms() throws {
        let echo = Data("""
        {"name":"alice","request_type":1,"migration_id":7,"target_path":"/stage/get/7","credentials":{},
         "request_id":31,"batch_id":7,"workspace":"cmip","storage":"elastictape","stage":100,
         "registered_date":"2026-11-20T10:11:12+00:00","label":"run 1","filelist":["a.nc"]}
        """.utf8)
        let request = try JSONDecoder().decode(JDMARequestRecord.self, from: echo)
        XCTAssertEqual(request.id, 31)
        XCTAssertEqual(request.type, JDMAStages.RequestKind.get.rawValue)
        XCTAssertEqual(request.batchID, 7)
        XCTAssertEqual(request.stage, JDMAStages.Request.getStart.rawValue)
        XCTAssertEqual(request.targetPath, "/stage/get/7")

        let failed = Data("""
        {"request_id":32,"user":"alice","request_type":0,"migration_id":9,"label":"x","workspace":"cmip",
         "storage":"elastictape","stage":1000,"date":"2026-11-20T10:11:12+00:00","failure_reason":"tape unreadable"}
        """.utf8)
        let put = try JSONDecoder().decode(JDMARequestRecord.self, from: failed)
        XCTAssertEqual(put.batchID, 9)
        XCTAssertEqual(put.failureReason, "tape unreadable")
        XCTAssertEqual(JDMAStages.Request(rawValue: put.stage), .failed)

        let list = Data(#"{"requests":[{"request_id":1,"stage":9,"migration_id":2},{"request_id":3,"stage":101}]}"#.utf8)
        XCTAssertEqual(try JSONDecoder().decode(JDMARequestList.self, from: list).requests.map(\.id), [1, 3])
    }

    func testFileListingWithTrailingSpaceKeyAndDigests() throws {
        let json = Data("""
        {"migrations":[{"migration_id":7,"user":"alice","workspace":"cmip","label":"run 1","storage":"elastictape",
          "archives":[{"archive_id":"7_0","pk":70,"size":300,"limit":0,"digest":"ff","digest_format":"SHA256",
            "files":[{"pk ":1,"path":"/gws/cmip/alice/run1/a.nc","size":100,"digest":"abc","digest_format":"SHA256"},
                     {"pk ":2,"path":"/gws/cmip/alice/run1/sub/b.nc","size":200}]}]}]}
        """.utf8)
        let listing = try JSONDecoder().decode(JDMAFileListing.self, from: json)
        let files = listing.migrations[0].archives[0].files
        XCTAssertEqual(files, [
            .init(path: "/gws/cmip/alice/run1/a.nc", size: 100, digest: "abc", digestFormat: "SHA256"),
            .init(path: "/gws/cmip/alice/run1/sub/b.nc", size: 200, digest: nil, digestFormat: nil),
        ])
        XCTAssertEqual(listing.migrations[0].archives[0].archiveID, "7_0")
    }

    func testErrorBodiesMapToErrnos() {
        func status(_ code: Int, _ message: String) -> HTTPError {
            .status(code: code, body: Data(#"{"error":"\#(message)","name":"alice"}"#.utf8))
        }
        let quota = status(403, "User has insufficient quota remaining for workspace cmip for external storage elastictape")
        XCTAssertEqual(JDMAErrorMapping.fsError(quota, operation: "submit", target: "/cmip/x"), .quotaExceeded)
        XCTAssertEqual(JDMAErrorMapping.fsError(status(404, "Batch not found"), operation: "get", target: "b"), .notFound)
        XCTAssertEqual(JDMAErrorMapping.fsError(status(403, "User does not have permission to request batch"),
                                                operation: "get", target: "b"), .permissionDenied)
        XCTAssertEqual(JDMAErrorMapping.fsError(status(403, "Insufficient diskspace for the retrieval (GET)"),
                                                operation: "get", target: "b"), .noSpace)
        if case .io(let why) = JDMAErrorMapping.fsError(status(403, "Batch stage is: PUTTING. Cannot retrieve"),
                                                        operation: "get", target: "b") {
            XCTAssertTrue(why.description.contains("PUTTING"), why.description)
        } else {
            XCTFail("a wrong-stage refusal is an EIO with the server's reason")
        }
        XCTAssertEqual(JDMAErrorMapping.fsError(HTTPError.transport(code: HTTPError.timeoutCode, message: "slow"),
                                                operation: "list", target: "/"), .timedOut)
        XCTAssertEqual(JDMAErrorMapping.serverMessage(status(404, "Batch not found")), "Batch not found")
    }

    func testEndpointsUseTrailingSlashesAndEncodeValues() {
        let endpoints = JDMAEndpoints(serverURL: "https://jdma.example/jdma_control")
        XCTAssertEqual(endpoints.batches(user: "alice", workspace: "my ws"),
                       "https://jdma.example/jdma_control/api/v1/migration/?name=alice&workspace=my%20ws")
        XCTAssertEqual(endpoints.files(user: "alice", batchID: 7),
                       "https://jdma.example/jdma_control/api/v1/file/?name=alice&migration_id=7&limit=0&digest=0")
        XCTAssertEqual(endpoints.storageBackends, "https://jdma.example/jdma_control/api/v1/list_backends/")
        XCTAssertEqual(endpoints.request(user: "a&b", id: 3),
                       "https://jdma.example/jdma_control/api/v1/request?name=a%26b&request_id=3")
    }

    func testRequestBodiesLeaveOutUnsetFields() throws {
        let body = RequestBodyFields(name: "alice", requestType: "GET", migrationID: 7, targetPath: "/s/get/7",
                                     credentials: [:])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(body)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["name", "request_type", "migration_id", "target_path", "credentials"])
        XCTAssertEqual(object["migration_id"] as? Int, 7)
    }

    func testDjangoDates() {
        let date = JDMADate.parse("2026-11-20T10:11:12.345678+00:00")
        XCTAssertEqual(date?.timeIntervalSince1970, 1_795_169_472)
        XCTAssertEqual(JDMADate.parse("2026-11-20T10:11:12+00:00"), date)
        XCTAssertNil(JDMADate.parse("yesterday"))
    }
}
