@testable import FTS3Client
import Foundation
import Logging
import SciencefsCore
import SciencefsX509
import XCTest

/// Client side of delegation (docs/protocols/fts3.md §2.2 steps 4–5) against a throw-away PKI, checked with the same verification
/// the server side does.
final class FTS3ProxySignerTests: XCTestCase {
    // Set in the class `setUp` and cleared in `tearDown`, which XCTest runs alone, before and after every test.
    nonisolated(unsafe) private static var directory: URL!
    nonisolated(unsafe) private static var pki: TestPKI!

    override class func setUp() {
        super.setUp()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fts3-signer-\(UUID().uuidString)")
        pki = try? TestPKI.create(in: directory)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    private var pki: TestPKI {
        get throws { try XCTUnwrap(Self.pki, "TestPKI.create failed") }
    }

    private func trustedCA() throws -> Certificate {
        try Certificate(pem: String(contentsOf: pki.caCertificate, encoding: .utf8))
    }

    /// What the server does in steps 3 and 5: make a key and a request, later check what comes back.
    private func serverRequest() throws -> (key: PrivateKey, pem: String) {
        let key = try PrivateKey.generateRSA()
        return (key, try CertificateRequest.make(key: key, subject: "/CN=delegation").pem)
    }

    func testCertificateUserDelegatesProxyPlusCertificateAndNoKey() throws {
        let pki = try pki
        let signer = try FTS3ProxySigner(certificatePath: pki.userCertificate.path, keyPath: pki.userKey.path)
        let (serverKey, requestPEM) = try serverRequest()
        let now = Date()
        let signed = try signer.sign(requestPEM: requestPEM, lifetime: 7 * 3600, now: now)

        XCTAssertFalse(signed.body.contains("PRIVATE KEY"), "the PUT body must not carry a key")
        let chain = try Certificate.all(inPEM: signed.body)
        XCTAssertEqual(chain.count, 2, "the proxy, then the user certificate")
        XCTAssertTrue(chain[0].isProxy)
        XCTAssertTrue(chain[0].subject.hasPrefix(pki.userDN + "/CN="), chain[0].subject)
        XCTAssertEqual(chain[1].subject, pki.userDN)
        let verified = try ProxyCertificate.verifyDelegated(chain: chain, expectedKey: serverKey, trustedCAs: [trustedCA()])
        XCTAssertEqual(verified.userDN, pki.userDN)
        XCTAssertEqual(signed.expires, chain[0].notAfter)
        XCTAssertEqual(signed.expires.timeIntervalSince(now), 7 * 3600, accuracy: 2)
    }

    func testProxyUserDelegatesAProxyOfTheProxyWithTheWholeChain() throws {
        let pki = try pki
        let signer = try FTS3ProxySigner(certificatePath: pki.userProxy.path, keyPath: pki.userProxy.path)
        let (serverKey, requestPEM) = try serverRequest()
        let signed = try signer.sign(requestPEM: requestPEM, lifetime: 24 * 3600, now: Date())
        XCTAssertFalse(signed.body.contains("PRIVATE KEY"))
        let chain = try Certificate.all(inPEM: signed.body)
        XCTAssertEqual(chain.count, 3, "new proxy, the user's proxy, the user certificate")
        let existingProxy = try Certificate(pem: String(contentsOf: pki.userProxy, encoding: .utf8))
        XCTAssertTrue(chain[0].isSigned(by: existingProxy))
        XCTAssertEqual(try ProxyCertificate.verifyDelegated(chain: chain, expectedKey: serverKey, trustedCAs: [trustedCA()]).userDN,
                       pki.userDN)
        XCTAssertLessThanOrEqual(signed.expires, existingProxy.notAfter, "a proxy cannot outlive the one that signed it")
    }

    func testExpiredCredentialIsRefusedWhenTheClientIsMade() throws {
        let pki = try pki
        XCTAssertThrowsError(try FTS3ProxySigner(certificatePath: pki.userCertificate.path, keyPath: pki.userKey.path,
                                                 now: Date().addingTimeInterval(30 * 86400))) { error in
            guard case .invalidArgument(let why)? = error as? FSError else { return XCTFail("got \(error)") }
            XCTAssertTrue(why.description.contains("expired"), why.description)
        }
    }

    func testKeyOfAnotherCertificateIsRefused() throws {
        let pki = try pki
        XCTAssertThrowsError(try FTS3ProxySigner(certificatePath: pki.userCertificate.path, keyPath: pki.serverKey.path)) { error in
            guard case .invalidArgument(let why)? = error as? FSError else { return XCTFail("got \(error)") }
            XCTAssertTrue(why.description.contains("does not belong"), why.description)
            XCTAssertFalse(why.description.contains("BEGIN"), "no PEM in messages")
        }
    }

    func testUnreadableOrNonPEMFilesAreNamed() throws {
        let pki = try pki
        let garbage = Self.directory.appendingPathComponent("garbage.pem")
        try Data("not a certificate".utf8).write(to: garbage)
        XCTAssertThrowsError(try FTS3ProxySigner(certificatePath: garbage.path, keyPath: pki.userKey.path)) { error in
            guard case .invalidArgument(let why)? = error as? FSError else { return XCTFail("got \(error)") }
            XCTAssertTrue(why.description.contains(garbage.path), why.description)
        }
        XCTAssertThrowsError(try FTS3ProxySigner(certificatePath: pki.userCertificate.path, keyPath: garbage.path)) { error in
            guard case .invalidArgument(let why)? = error as? FSError else { return XCTFail("got \(error)") }
            XCTAssertTrue(why.description.contains("private key") && why.description.contains(garbage.path), why.description)
        }
    }

    func testBadRequestFromTheServerIsEIO() throws {
        let pki = try pki
        let signer = try FTS3ProxySigner(certificatePath: pki.userCertificate.path, keyPath: pki.userKey.path)
        XCTAssertThrowsError(try signer.sign(requestPEM: "<html>oops</html>", lifetime: 3600, now: Date())) { error in
            guard case .io(let why)? = error as? FSError else { return XCTFail("got \(error)") }
            XCTAssertTrue(why.description.contains("certificate request"), why.description)
        }
    }

    func testClientResolvesAutomaticCredentialsFromTheEnvironment() throws {
        let pki = try pki
        var logger = Logger(label: "test.fts3")
        logger.logLevel = .critical
        let endpoint = try XCTUnwrap(URL(string: "https://127.0.0.1:1"))
        let proxyEnvironment = FTS3Identity.Environment(variables: ["X509_USER_PROXY": pki.userProxy.path], effectiveUserID: 4321,
                                                        fileExists: { FileManager.default.fileExists(atPath: $0) })
        let viaProxy = try FTS3Client(configuration: FTS3Configuration(endpoint: endpoint), environment: proxyEnvironment, logger: logger)
        XCTAssertEqual(viaProxy.identity, .x509(certificatePath: pki.userProxy.path, keyPath: pki.userProxy.path))

        let certEnvironment = FTS3Identity.Environment(
            variables: ["X509_USER_CERT": pki.userCertificate.path, "X509_USER_KEY": pki.userKey.path], effectiveUserID: 4321,
            fileExists: { $0 != "/tmp/x509up_u4321" && FileManager.default.fileExists(atPath: $0) })
        let viaCert = try FTS3Client(configuration: FTS3Configuration(endpoint: endpoint), environment: certEnvironment, logger: logger)
        XCTAssertEqual(viaCert.identity, .x509(certificatePath: pki.userCertificate.path, keyPath: pki.userKey.path))

        let token = try FTS3Client(configuration: FTS3Configuration(endpoint: endpoint, credential: .bearer(token: "t")),
                                   logger: logger)
        XCTAssertNil(try token.delegate(force: true), "token users never delegate (and send nothing)")
    }
}
