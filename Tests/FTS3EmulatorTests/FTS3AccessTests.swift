@testable import FTS3Emulator
import Foundation
import SciencefsHTTP
import SciencefsX509
import XCTest

/// Who may talk to the emulator and how it knows them: client certificates through the nginx TLS front,
/// bearer tokens, the per-start front secret, delegation before submission (docs/protocols/fts3.md §2).
final class FTS3AccessTests: XCTestCase {
    private var fixture: FTS3EmulatorFixture!

    override func setUpWithError() throws {
        fixture = try FTS3EmulatorFixture(transferDuration: 0.2)
    }

    override func tearDownWithError() throws {
        fixture?.tearDown()
    }

    override class func tearDown() {
        SharedTestPKI.remove()
        super.tearDown()
    }

    func testRequestWithoutCertificateOrTokenIsRefused() throws {
        let reply = try fixture.call(.get, "//whoami", as: .anonymous)
        XCTAssertEqual(reply.status, 401, reply.text)
        XCTAssertEqual(reply.object["status"] as? String, "401 Unauthorized")
        XCTAssertEqual(reply.object["message"] as? String, "A valid X509 certificate or proxy is needed")

        let unknownToken = try fixture.call(.get, "//whoami", as: .token("not-a-token"))
        XCTAssertEqual(unknownToken.status, 403, unknownToken.text)
        XCTAssertEqual(try fixture.call(.post, "//jobs", as: .anonymous, json: ["files": []]).status, 401)
    }

    func testPlainListenerRefusesRequestsThatBypassTheTLSFront() throws {
        let port = try XCTUnwrap(fixture.fts.listenerPort)
        let plain = HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: 5, retry: .none),
                               logger: FTS3EmulatorFixture.quietLogger("test.plain"))
        // Even with forged identity headers: only nginx knows the secret.
        var request = HTTPRequest(url: "http://127.0.0.1:\(port)/whoami")
        request.headers.add("X-FTS3-Client-Verify", "SUCCESS")
        request.headers.add("X-FTS3-Emulator-Front", "guess")
        XCTAssertThrowsError(try plain.send(request)) { error in
            XCTAssertEqual((error as? HTTPError)?.statusCode, 403)
        }
    }

    func testCertificateFromAnotherCAIsRejectedByTheTLSFront() throws {
        let other = try TestPKI.create(in: fixture.directory.appendingPathComponent("other-pki"), userCommonName: "Mallory")
        let client = HTTPClient(configuration: HTTPClientConfiguration(
            connectTimeout: 5, retry: .none,
            tls: TLSOptions(caBundlePath: fixture.pki.caCertificate.path, clientCertificatePath: other.userCertificate.path,
                            clientKeyPath: other.userKey.path)), logger: FTS3EmulatorFixture.quietLogger("test.other"))
        XCTAssertThrowsError(try client.send(HTTPRequest(url: fixture.endpoint.absoluteString + "//whoami"))) { error in
            XCTAssertEqual((error as? HTTPError)?.statusCode, 400, "nginx refuses a certificate it cannot verify: \(error)")
        }
        XCTAssertTrue(fixture.fts.requestLog.all.isEmpty, "the request never reached the emulator")
    }

    func testCertificateUserIsIdentifiedByTheCertificateSubject() throws {
        let reply = try fixture.call(.get, "//whoami", as: .certificate)
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.object["user_dn"] as? String, fixture.pki.userDN)
        XCTAssertEqual(reply.object["method"] as? String, "certificate")
        XCTAssertEqual(reply.object["vos"] as? [String], ["dteam"])
        let expectedID = String(Digest.sha1Hex(Data(fixture.pki.userDN.utf8)).prefix(16))
        XCTAssertEqual(reply.object["delegation_id"] as? String, expectedID)
        XCTAssertEqual(FTS3Emulator.delegationID(forDN: fixture.pki.userDN), expectedID)

        let certificate = try fixture.call(.get, "//whoami/certificate", as: .certificate)
        XCTAssertEqual(try Certificate(pem: certificate.text).subject, fixture.pki.userDN)
    }

    func testBearerTokenUserSubmitsWithoutDelegation() throws {
        let whoami = try fixture.call(.get, "//whoami")
        XCTAssertEqual(whoami.object["user_dn"] as? String, FTS3EmulatorFixture.tokenDN)
        XCTAssertEqual(whoami.object["method"] as? String, "oauth2")

        let source = try fixture.sourceFile("token-user.bin", size: 1000, seed: 1)
        let id = try fixture.submit([FTS3EmulatorFixture.transfer(source.url, fixture.destinationURL("token-user.bin"))])
        let job = try fixture.waitForJob(id)
        XCTAssertEqual(job["job_state"] as? String, "FINISHED")
        XCTAssertEqual(job["user_dn"] as? String, FTS3EmulatorFixture.tokenDN)
    }

    func testCertificateUserGets419UntilDelegated() throws {
        let source = try fixture.sourceFile("delegated.bin", size: 5000, seed: 2)
        let body: [String: Any] = ["files": [FTS3EmulatorFixture.transfer(source.url, fixture.destinationURL("delegated.bin"))]]
        let refused = try fixture.call(.post, "//jobs", as: .certificate, json: body)
        XCTAssertEqual(refused.status, 419, refused.text)
        XCTAssertEqual(refused.object["message"] as? String, "No delegation found for \"\(fixture.pki.userDN)\"")

        let id = FTS3Emulator.delegationID(forDN: fixture.pki.userDN)
        XCTAssertEqual(try fixture.call(.get, "//delegation/\(id)", as: .certificate).text, "null")
        XCTAssertEqual(try fixture.call(.get, "//delegation/0123456789abcdef", as: .certificate).status, 403,
                       "another user's delegation id")
        XCTAssertEqual(try fixture.delegate(), 201)

        let info = try fixture.call(.get, "//delegation/\(id)", as: .certificate).object
        let termination = try XCTUnwrap(info["termination_time"] as? String)
        XCTAssertTrue(termination.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$"#, options: .regularExpression) != nil, termination)
        XCTAssertEqual(info["voms_attrs"] as? [String], [])

        let accepted = try fixture.call(.post, "//jobs", as: .certificate, json: body)
        XCTAssertEqual(accepted.status, 200, accepted.text)
        let job = try fixture.waitForJob(try XCTUnwrap(accepted.object["job_id"] as? String), as: .certificate)
        XCTAssertEqual(job["job_state"] as? String, "FINISHED")
        XCTAssertEqual(job["cred_id"] as? String, id)

        XCTAssertEqual(try fixture.call(.delete, "//delegation/\(id)", as: .certificate).status, 204)
        XCTAssertEqual(try fixture.call(.post, "//jobs", as: .certificate, json: body).status, 419)
    }

    func testShortLivedDelegationIsNotEnoughToSubmit() throws {
        XCTAssertEqual(try fixture.delegate(lifetime: 1800), 201)
        let reply = try fixture.call(.post, "//jobs", as: .certificate,
                                     json: ["files": [FTS3EmulatorFixture.transfer("http://127.0.0.1:1/a", "http://127.0.0.1:1/b")]])
        XCTAssertEqual(reply.status, 419, reply.text)
        XCTAssertTrue((reply.object["message"] as? String ?? "").contains("less than one hour left"), reply.text)
    }

    func testProxyForSomeoneElsesKeyIsRejected() throws {
        let id = FTS3Emulator.delegationID(forDN: fixture.pki.userDN)
        _ = try fixture.call(.get, "//delegation/\(id)/request", as: .certificate)
        // Sign a request for a key the server never made: the public key does not match its cached one.
        let user = try Certificate(pem: String(contentsOf: fixture.pki.userCertificate, encoding: .utf8))
        let userKey = try PrivateKey(pem: String(contentsOf: fixture.pki.userKey, encoding: .utf8))
        let foreign = try CertificateRequest.make(key: PrivateKey.generateRSA(), subject: "/CN=proxy")
        let proxy = try ProxyCertificate.sign(request: foreign, issuer: user, issuerKey: userKey, chain: [], lifetime: 3 * 3600)
        let reply = try fixture.call(.put, "//delegation/\(id)/credential", as: .certificate, text: proxy.pem + user.pem)
        XCTAssertEqual(reply.status, 400, reply.text)
        XCTAssertTrue((reply.object["message"] as? String ?? "").hasPrefix("Could not process the proxy"), reply.text)
        XCTAssertEqual(try fixture.call(.get, "//delegation/\(id)", as: .certificate).text, "null")
    }

    func testDoubleSlashAndSingleSlashPathsAreTheSame() throws {
        let root = try fixture.call(.get, "//")
        XCTAssertEqual(root.status, 200, root.text)
        XCTAssertNotNil(root.object["api"] as? [String: Any], "the version document the Python Context reads first")
        XCTAssertEqual(try fixture.call(.get, "//whoami").status, 200)
        XCTAssertEqual(try fixture.call(.get, "/whoami").status, 200)
        XCTAssertEqual(try fixture.call(.get, "//jobs").status, 200)
        XCTAssertEqual(try fixture.call(.get, "/jobs").status, 200)
        XCTAssertTrue(fixture.fts.requestLog.entries(method: "GET", pathPrefix: "/jobs").count >= 2)
    }
}
