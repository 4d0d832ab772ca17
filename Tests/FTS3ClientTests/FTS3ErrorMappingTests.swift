@testable import FTS3Client
import Foundation
import SciencefsCore
import SciencefsHTTP
import XCTest

/// HTTP failures → `FSError` (docs/protocols/fts3.md §3.5).
final class FTS3ErrorMappingTests: XCTestCase {
    private func mapped(_ code: Int, _ body: String = "") -> FSError {
        FTS3ErrorMapping.fsError(HTTPError.status(code: code, body: Data(body.utf8)), operation: "submit")
    }

    func testAuthorisationFailuresAreEACCES() {
        XCTAssertEqual(mapped(401), .permissionDenied)
        XCTAssertEqual(mapped(403, "{\"status\":\"403 Forbidden\",\"message\":\"not allowed\"}"), .permissionDenied)
        XCTAssertEqual(mapped(403).errno, EACCES)
    }

    func testNotFoundIsENOENT() {
        XCTAssertEqual(mapped(404, "{\"status\":\"404 Not Found\",\"message\":\"No job with the id x has been found\"}"), .notFound)
    }

    func testBadRequestAndConflictCarryTheServersMessage() {
        let bad = mapped(400, "{\"status\":\"400 Bad Request\",\"message\":\"Invalid value within the request: priority\"}")
        XCTAssertEqual(bad, .invalidArgument("FTS3 submit: Invalid value within the request: priority"))
        XCTAssertEqual(bad.errno, EINVAL)
        let conflict = mapped(409, "{\"status\":\"409 Conflict\",\"message\":\"Submission with the same sid exists\"}")
        XCTAssertEqual(conflict, .exists, "409 means EEXIST for every service (one table)")
        XCTAssertEqual(mapped(400, ""), .invalidArgument("FTS3 submit: HTTP 400"))
        XCTAssertEqual(mapped(400, "plain words\nsecond line"), .invalidArgument("FTS3 submit: plain words"))
    }

    func testServerErrorsAndTransportFailuresAreEIOWithAReason() {
        guard case .io(let why) = mapped(503, "{\"status\":\"503 Service Unavailable\",\"message\":\"DB down\"}") else {
            return XCTFail("503 must be EIO")
        }
        XCTAssertTrue(why.description.contains("503") && why.description.contains("DB down"), why.description)
        guard case .io(let other) = mapped(500) else { return XCTFail("500 must be EIO") }
        XCTAssertTrue(other.description.contains("HTTP 500"), other.description)
        let transport = FTS3ErrorMapping.fsError(HTTPError.transport(code: 7, message: "GET https://fts:8446/whoami: refused"),
                                                 operation: "whoami")
        guard case .io(let reason) = transport else { return XCTFail("transport must be EIO") }
        XCTAssertTrue(reason.description.contains("refused") && reason.description.contains("whoami"), reason.description)
        XCTAssertEqual(FTS3ErrorMapping.fsError(HTTPError.transport(code: 28, message: "timeout"), operation: "x").errno, ETIMEDOUT,
                       "a server that stops answering is a timeout, as for every source")
    }

    func testAnUnresolved419IsEACCES() {
        XCTAssertEqual(mapped(419, "{\"status\":\"419 Authentication Timeout\",\"message\":\"No delegation found\"}"),
                       .permissionDenied)
    }

    func testFSErrorsPassThrough() {
        XCTAssertEqual(FTS3ErrorMapping.fsError(FSError.invalidArgument("x"), operation: "submit"), .invalidArgument("x"))
    }

    func testStatusCodeOfMultiStatusItems() {
        XCTAssertEqual(FTS3ErrorMapping.statusCode("404 Not Found"), 404)
        XCTAssertEqual(FTS3ErrorMapping.statusCode("200 Ok"), 200)
        XCTAssertNil(FTS3ErrorMapping.statusCode("Ok"))
        XCTAssertNil(FTS3ErrorMapping.statusCode(nil))
    }
}
