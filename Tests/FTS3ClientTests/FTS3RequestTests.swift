@testable import FTS3Client
import Foundation
import Logging
import SciencefsHTTP
import XCTest

/// What every request carries (docs/protocols/fts3.md §1): `Accept: application/json`, a User-Agent, and for token users the
/// bearer token in the request's credential field (so the HTTP layer never logs it).
final class FTS3RequestTests: XCTestCase {
    private let endpoint = URL(string: "https://fts.example.org:8446")!

    private func api(_ identity: FTS3Identity) -> FTS3API {
        var logger = Logger(label: "test.fts3")
        logger.logLevel = .critical
        return FTS3API(configuration: FTS3Configuration(endpoint: endpoint), identity: identity,
                       environment: FTS3Identity.Environment(variables: [:], effectiveUserID: 0, fileExists: { _ in false }),
                       logger: logger)
    }

    func testEveryRequestAcceptsJSON() {
        let api = api(.x509(certificatePath: "/c", keyPath: "/k"))
        for method in [HTTPMethod.get, .post, .put, .delete] {
            let request = api.request(method, api.endpoints.jobs)
            XCTAssertEqual(request.headers["Accept"], "application/json")
            XCTAssertNil(request.bearerToken, "certificate users send no Authorization")
            XCTAssertEqual(request.url, "https://fts.example.org:8446/jobs")
        }
    }

    func testTokenUsersSendTheBearerToken() {
        let api = api(.bearer(token: "eyJ.token"))
        let request = api.request(.get, api.endpoints.whoami)
        XCTAssertEqual(request.bearerToken, "eyJ.token")
        XCTAssertNil(request.headers["Authorization"], "the token travels in its own field, not as a loggable header")
        XCTAssertEqual(request.headers["Accept"], "application/json")
    }

    func testUserAgentAndTimeoutsComeFromTheConfiguration() {
        var configuration = FTS3Configuration(endpoint: endpoint)
        configuration.userAgent = "sciencefs-fts3/test"
        configuration.connectTimeout = 3
        configuration.requestTimeout = 9
        let http = FTS3API.httpConfiguration(configuration, identity: .bearer(token: "t"),
                                             environment: FTS3Identity.Environment(variables: [:], effectiveUserID: 0,
                                                                                   fileExists: { _ in false }))
        XCTAssertEqual(http.userAgent, "sciencefs-fts3/test")
        XCTAssertEqual(http.connectTimeout, 3)
        XCTAssertEqual(http.requestTimeout, 9)
        XCTAssertTrue(FTS3Configuration(endpoint: endpoint).userAgent.hasPrefix("sciencefs-fts3/"))
    }
}
