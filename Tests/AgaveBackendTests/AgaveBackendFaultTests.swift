import AgaveBackend
import AgaveEmulator
import Foundation
import SciencefsCore
import SciencefsHTTP
import XCTest

final class AgaveBackendFaultTests: XCTestCase {
    var fixture: EmulatorFixture!

    override func setUpWithError() throws { fixture = try EmulatorFixture() }
    override func tearDown() { fixture.tearDown() }

    func testServerErrorThenSuccessIsRetriedTransparently() throws {
        try fixture.putFile("d/f", Data("x".utf8))
        let backend = fixture.backend()
        fixture.emulator.faults.add(method: "GET", pathPrefix: "/files/v2/listings/", action: .status(500), count: 1)
        fixture.emulator.requestLog.clear()

        XCTAssertEqual(try backend.list(EmulatorFixture.path("d")).map(\.name), ["f"])
        XCTAssertEqual(fixture.emulator.requestLog.entries(pathPrefix: "/files/v2/listings/").map(\.status), [500, 200, 200])
    }

    func testServerErrorForeverBecomesIOAfterTheConfiguredRetries() throws {
        try fixture.putFile("f", Data("x".utf8))
        let backend = fixture.backend()
        _ = try backend.stat(EmulatorFixture.path("f"))
        fixture.emulator.faults.add(method: "GET", pathPrefix: "/files/v2/", action: .status(502), count: nil)
        fixture.emulator.requestLog.clear()

        XCTAssertThrowsIO(try backend.readData(EmulatorFixture.path("f"), offset: 0, length: 1))
        XCTAssertEqual(fixture.emulator.requestLog.entries(pathPrefix: "/files/v2/media/").count,
                       1 + EmulatorFixture.fastRetry.maxRetries)
    }

    func testExpiredTokenIsRefreshedAndTheRequestRepeatedOnce() throws {
        try fixture.putFile("f", Data("x".utf8))
        let backend = fixture.backend()
        _ = try backend.stat(EmulatorFixture.path("f"))
        fixture.emulator.expireAllTokens()
        fixture.emulator.requestLog.clear()

        XCTAssertEqual(try backend.stat(EmulatorFixture.path("f")).size, 1)
        let log = fixture.emulator.requestLog.all.map { "\($0.method) \($0.path) \($0.status)" }
        let listing = "GET /files/v2/listings/system/\(EmulatorFixture.systemID)/f"
        XCTAssertEqual(log, ["\(listing) 401", "POST /token 200", "\(listing) 200"])
    }

    func testTokenNearExpiryIsRefreshedBeforeUse() throws {
        try fixture.putFile("f", Data())
        var configuration = fixture.configuration()
        configuration.tokenRefreshMargin = 14_400 + 60 // any token the emulator issues is "about to expire"
        let backend = AgaveBackend(configuration: configuration, logger: fixture.logger)
        _ = try backend.stat(EmulatorFixture.path("f"))
        _ = try backend.stat(EmulatorFixture.path("f"))
        let tokens = fixture.emulator.requestLog.entries(method: "POST", pathPrefix: "/token")
        XCTAssertEqual(tokens.count, 2, "each call found the token inside the margin and renewed it first")
        XCTAssertEqual(fixture.emulator.requestLog.entries(pathPrefix: "/files/").map(\.status), [200, 200])
    }

    func testRefreshedTokensAreWrittenBackToTheCLICacheFile() throws {
        try fixture.putFile("f", Data())
        // Obtain a real refresh token from the emulator, then mount from a CLI-style cache file holding it.
        let http = HTTPClient(logger: fixture.logger)
        let reply = try http.send(HTTPRequest(method: .post, url: fixture.baseURL + "/token",
                                              body: .form([("grant_type", "password"), ("username", "alice"),
                                                           ("password", "alice-password"), ("scope", "PRODUCTION")]),
                                              basicAuth: BasicCredentials(user: EmulatorFixture.clientKey,
                                                                          password: EmulatorFixture.clientSecret)))
        let issued = try XCTUnwrap(JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
        let refresh = try XCTUnwrap(issued["refresh_token"] as? String)
        let cache = fixture.directory.appendingPathComponent("current")
        let cached: [String: Any] = ["tenantid": "emulator", "baseurl": fixture.baseURL, "devurl": "",
                                     "apikey": EmulatorFixture.clientKey, "apisecret": EmulatorFixture.clientSecret,
                                     "username": "alice", "access_token": "stale-token", "refresh_token": refresh,
                                     "created_at": "1500000000", "expires_in": "14400", "expires_at": "old"]
        try JSONSerialization.data(withJSONObject: [cached]).write(to: cache)

        let configuration = try AgaveConfiguration.fromAgaveCurrent(name: "agave", file: cache)
        XCTAssertEqual(configuration.baseURL, fixture.baseURL)
        let backend = AgaveBackend(configuration: configuration, logger: fixture.logger)
        XCTAssertEqual(try backend.stat(EmulatorFixture.path("f")).kind, .file)

        let rewritten = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: cache)) as? [[String: Any]])
        let entry = try XCTUnwrap(rewritten.first)
        XCTAssertNotEqual(entry["access_token"] as? String, "stale-token")
        XCTAssertNotEqual(entry["refresh_token"] as? String, refresh, "WSO2 rotates refresh tokens")
        XCTAssertEqual(entry["tenantid"] as? String, "emulator", "unknown keys are preserved")
        XCTAssertEqual(entry["expires_in"] as? String, "14400", "the file keeps its string-typed numbers")
        let created = try XCTUnwrap((entry["created_at"] as? String).flatMap(Double.init))
        XCTAssertEqual(created, Date().timeIntervalSince1970, accuracy: 60)
    }

    func testMalformedJSONIsIO() throws {
        try fixture.putFile("f", Data())
        let backend = fixture.backend()
        _ = try backend.stat(EmulatorFixture.path("f"))
        fixture.emulator.faults.add(method: "GET", pathPrefix: "/files/v2/listings/", action: .malformedJSON, count: 1)
        XCTAssertThrowsIO(try backend.stat(EmulatorFixture.path("f")))
    }

    func testWrongCredentialsArePermissionDenied() throws {
        var configuration = fixture.configuration()
        configuration.password = "wrong"
        let backend = AgaveBackend(configuration: configuration, logger: fixture.logger)
        XCTAssertThrowsFSError(.permissionDenied, try backend.stat(EmulatorFixture.path("")))
    }

    func testUnreachableServerIsIOWithAClearReason() throws {
        let port = try fixture.emulator.start()
        fixture.emulator.stop()
        var configuration = fixture.configuration(retry: RetryPolicy(maxRetries: 1, initialDelay: 0.01))
        configuration.baseURL = "http://127.0.0.1:\(port)"
        configuration.accessToken = "secret-token-value"
        let backend = AgaveBackend(configuration: configuration, logger: fixture.logger)
        XCTAssertThrowsError(try backend.stat(EmulatorFixture.path("f"))) { error in
            guard case .io(let why)? = error as? FSError else { return XCTFail("expected .io, got \(error)") }
            XCTAssertTrue(why.description.contains("127.0.0.1"), why.description)
            XCTAssertFalse(why.description.contains("secret-token-value"), "tokens never appear in errors")
        }
    }
}
