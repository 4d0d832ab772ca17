@testable import FTS3Client
import Foundation
import SciencefsCore
import XCTest

final class FTS3EndpointsAndDatesTests: XCTestCase {
    func testPathsJoinWithOneSlash() throws {
        for text in ["https://fts.example.org:8446", "https://fts.example.org:8446/", "https://fts.example.org:8446//"] {
            let endpoints = FTS3Endpoints(endpoint: try XCTUnwrap(URL(string: text)))
            XCTAssertEqual(endpoints.whoami, "https://fts.example.org:8446/whoami")
            XCTAssertEqual(endpoints.jobs, "https://fts.example.org:8446/jobs")
        }
        let prefixed = FTS3Endpoints(endpoint: try XCTUnwrap(URL(string: "https://gw.example.org/fts/")))
        XCTAssertEqual(prefixed.job("ab-12"), "https://gw.example.org/fts/jobs/ab-12")
        XCTAssertEqual(prefixed.jobFiles("ab-12"), "https://gw.example.org/fts/jobs/ab-12/files")
        XCTAssertEqual(prefixed.delegationRequest("0123456789abcdef"), "https://gw.example.org/fts/delegation/0123456789abcdef/request")
        XCTAssertEqual(prefixed.delegationCredential("0123456789abcdef"),
                       "https://gw.example.org/fts/delegation/0123456789abcdef/credential")
    }

    func testJobIDsThatWouldAddressSomethingElseAreRefused() {
        XCTAssertNoThrow(try FTS3Endpoints.validateJobID("6b5e8c3a-1f2d-11ef-9a5c-02420a0b0c0d"))
        for bad in ["", "a/b", "a,b", "a b", "../x"] {
            XCTAssertThrowsError(try FTS3Endpoints.validateJobID(bad), bad) { error in
                guard case .invalidArgument? = error as? FSError else { return XCTFail("got \(error)") }
            }
        }
    }

    func testServerDatesAreUTCWithoutZone() throws {
        let date = try XCTUnwrap(FTS3Date.parse("2024-05-01T10:20:30"))
        XCTAssertEqual(date.timeIntervalSince1970, 1_714_558_830)
        XCTAssertEqual(FTS3Date.parse("2024-05-01T10:20:30Z"), date)
        XCTAssertEqual(FTS3Date.parse("2024-05-01T10:20:30+00:00"), date)
        XCTAssertEqual(try XCTUnwrap(FTS3Date.parse("2024-05-01T10:20:30.250")).timeIntervalSince1970, 1_714_558_830.25,
                       accuracy: 0.0001)
        XCTAssertEqual(FTS3Date.format(date), "2024-05-01T10:20:30")
    }

    func testMalformedDatesAreRejected() {
        for text in ["", "2024-05-01", "2024-05-01 10:20:30", "2024-13-01T10:20:30", "2024-02-30T10:20:30",
                     "2024-05-01T25:00:00", "yesterday", "2024-05-01T10:20:30.", "2024-5-1T10:20:30"] {
            XCTAssertNil(FTS3Date.parse(text), text)
        }
    }
}
