import Foundation
import SciencefsX509
import Synchronization
import XCTest

/// Both sides of FTS3 delegation: the server makes a key and a request, the client signs it as a proxy, the server
/// checks the proxy chain it gets back.
final class DelegationTests: XCTestCase {
    private var pki: TestPKI!
    private var user: Certificate!
    private var userKey: PrivateKey!
    private var ca: Certificate!

    override func setUpWithError() throws {
        pki = try X509TestSupport.pki()
        user = try X509TestSupport.userCertificate(pki)
        userKey = try X509TestSupport.userKey(pki)
        ca = try X509TestSupport.caCertificate(pki)
    }

    /// The server's half: a fresh key and a request for it, passed along as PEM the way the HTTP API does.
    private func serverRequest() throws -> (key: PrivateKey, request: CertificateRequest) {
        let key = try PrivateKey.generateRSA()
        let request = try CertificateRequest.make(key: key, subject: "/CN=proxy")
        return (key, try CertificateRequest(pem: request.pem))
    }

    func testDelegationRoundTripYieldsTheUserDNAndATerminationTimeWithinTheUserCertificate() throws {
        let (serverKey, request) = try serverRequest()
        let proxy = try ProxyCertificate.sign(request: request, issuer: user, issuerKey: userKey, chain: [user],
                                              lifetime: 7 * 3600)
        // The client PUTs the proxy followed by its certificate file.
        let body = proxy.pem + user.pem
        let chain = try Certificate.all(inPEM: body)
        let result = try ProxyCertificate.verifyDelegated(chain: chain, expectedKey: serverKey, trustedCAs: [ca])
        XCTAssertEqual(result.userDN, pki.userDN)
        XCTAssertLessThanOrEqual(result.terminationTime, user.notAfter)
        XCTAssertEqual(result.terminationTime, proxy.notAfter)
        XCTAssertEqual(result.terminationTime.timeIntervalSinceNow, 7 * 3600, accuracy: 60)
    }

    func testSignedProxyHasTheFieldsTheFTS3ClientPutsInIt() throws {
        let (serverKey, request) = try serverRequest()
        let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970).rounded(.down))
        let proxy = try ProxyCertificate.sign(request: request, issuer: user, issuerKey: userKey, chain: [user],
                                              lifetime: 7 * 3600, now: now)
        XCTAssertEqual(proxy.subject, "\(pki.userDN)/CN=\(Int(now.timeIntervalSince1970))")
        XCTAssertEqual(proxy.issuer, pki.userDN)
        XCTAssertEqual(proxy.serialNumberHex, user.serialNumberHex)
        XCTAssertTrue(proxy.isProxy)
        XCTAssertTrue(proxy.publicKeyMatches(serverKey))
        XCTAssertFalse(proxy.publicKeyMatches(userKey))
        XCTAssertTrue(proxy.isSigned(by: user))
        XCTAssertFalse(proxy.isSigned(by: ca))
        XCTAssertEqual(proxy.notAfter, now.addingTimeInterval(7 * 3600))
        XCTAssertLessThanOrEqual(proxy.notBefore, now)
        XCTAssertGreaterThanOrEqual(proxy.notBefore, now.addingTimeInterval(-600))

        let directory = try X509TestSupport.temporaryDirectory("proxy-text")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("proxy.pem")
        try X509TestSupport.write(proxy.pem, to: file)
        let text = try X509TestSupport.openssl(["x509", "-noout", "-text", "-in", file.path]).output
        XCTAssertTrue(text.contains("Version: 3 (0x2)"), text)
        XCTAssertTrue(text.contains("Signature Algorithm: sha256WithRSAEncryption"), text)
        XCTAssertTrue(text.contains("X509v3 Basic Constraints: critical\n                CA:FALSE"), text)
        XCTAssertTrue(text.contains("X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment"), text)
        XCTAssertTrue(text.contains("X509v3 Authority Key Identifier:"), text)
        XCTAssertTrue(text.contains("Proxy Certificate Information: critical"), text)
        XCTAssertTrue(text.contains("Policy Language: Inherit all"), text)

        let verify = try X509TestSupport.openssl(["verify", "-allow_proxy_certs", "-CAfile", pki.caCertificate.path,
                                                  "-untrusted", pki.userCertificate.path, file.path])
        XCTAssertEqual(verify.status, 0, verify.output)
    }

    func testLifetimeIsCappedByTheEarliestExpiryInTheChain() throws {
        let (_, request) = try serverRequest()
        let now = Date()
        // A shorter-lived certificate in the chain (here: a proxy made a minute ago that ends in 2 h) caps the new one.
        let (shortKey, shortRequest) = try serverRequest()
        let shortProxy = try ProxyCertificate.sign(request: shortRequest, issuer: user, issuerKey: userKey, chain: [user],
                                                   lifetime: 2 * 3600, now: now)
        let capped = try ProxyCertificate.sign(request: request, issuer: shortProxy, issuerKey: shortKey,
                                               chain: [shortProxy, user], lifetime: 12 * 3600, now: now)
        XCTAssertEqual(capped.notAfter, shortProxy.notAfter)
        // The user certificate's own expiry caps too.
        let long = try ProxyCertificate.sign(request: request, issuer: user, issuerKey: userKey, chain: [user],
                                             lifetime: 365 * 86400, now: now)
        XCTAssertEqual(long.notAfter, user.notAfter)
    }

    func testProxyOfAProxyVerifiesToTheUserDN() throws {
        let (firstKey, firstRequest) = try serverRequest()
        let first = try ProxyCertificate.sign(request: firstRequest, issuer: user, issuerKey: userKey, chain: [user],
                                              lifetime: 3600)
        let (serverKey, request) = try serverRequest()
        let second = try ProxyCertificate.sign(request: request, issuer: first, issuerKey: firstKey, chain: [first, user],
                                               lifetime: 3600)
        XCTAssertEqual(second.issuer, first.subject)
        let result = try ProxyCertificate.verifyDelegated(chain: [second, first, user], expectedKey: serverKey, trustedCAs: [ca])
        XCTAssertEqual(result.userDN, pki.userDN)
        XCTAssertEqual(ProxyCertificate.endEntitySubject(ofChain: [second, first, user]), pki.userDN)
        XCTAssertEqual(ProxyCertificate.endEntitySubject(of: second), first.subject, "one certificate shows one level")
    }

    func testRejectsAProxySignedByTheWrongKey() throws {
        let (serverKey, request) = try serverRequest()
        // A certificate with the user's name but another key: its proxy does not verify against the real user cert.
        let impostorDirectory = try X509TestSupport.temporaryDirectory("impostor")
        defer { try? FileManager.default.removeItem(at: impostorDirectory) }
        let impostorPKI = try TestPKI.create(in: impostorDirectory)
        let impostor = try X509TestSupport.userCertificate(impostorPKI)
        XCTAssertEqual(impostor.subject, user.subject)
        let forged = try ProxyCertificate.sign(request: request, issuer: impostor, issuerKey: X509TestSupport.userKey(impostorPKI),
                                               chain: [impostor], lifetime: 3600)
        XCTAssertThrowsError(try ProxyCertificate.verifyDelegated(chain: [forged, user], expectedKey: serverKey, trustedCAs: [ca])) {
            XCTAssertTrue("\($0)".contains("is not signed by"), "\($0)")
        }
        // And the impostor's own chain does not lead to our CA.
        XCTAssertThrowsError(try ProxyCertificate.verifyDelegated(chain: [forged, impostor], expectedKey: serverKey, trustedCAs: [ca])) {
            XCTAssertTrue("\($0)".contains("does not chain to a trusted CA"), "\($0)")
        }
        // Signing with a key that is not the issuer's is refused up front.
        XCTAssertThrowsError(try ProxyCertificate.sign(request: request, issuer: user, issuerKey: serverKey, chain: [user],
                                                       lifetime: 3600)) {
            XCTAssertTrue("\($0)".contains("does not belong"), "\($0)")
        }
    }

    func testRejectsAChainOfOneCertificate() throws {
        let (serverKey, request) = try serverRequest()
        let proxy = try ProxyCertificate.sign(request: request, issuer: user, issuerKey: userKey, chain: [user], lifetime: 3600)
        XCTAssertThrowsError(try ProxyCertificate.verifyDelegated(chain: [proxy], expectedKey: serverKey, trustedCAs: [ca])) {
            XCTAssertTrue("\($0)".contains("got 1 certificate"), "\($0)")
        }
    }

    func testRejectsAProxyWhoseKeyIsNotTheServersKey() throws {
        let (_, request) = try serverRequest()
        let otherKey = try PrivateKey.generateRSA()
        let proxy = try ProxyCertificate.sign(request: request, issuer: user, issuerKey: userKey, chain: [user], lifetime: 3600)
        XCTAssertThrowsError(try ProxyCertificate.verifyDelegated(chain: [proxy, user], expectedKey: otherKey, trustedCAs: [ca])) {
            XCTAssertTrue("\($0)".contains("public key does not match"), "\($0)")
        }
    }

    func testRejectsExpiredCredentials() throws {
        let (serverKey, request) = try serverRequest()
        let proxy = try ProxyCertificate.sign(request: request, issuer: user, issuerKey: userKey, chain: [user], lifetime: 3600)
        let chain: [Certificate] = [proxy, user]
        XCTAssertNoThrow(try ProxyCertificate.verifyDelegated(chain: chain, expectedKey: serverKey, trustedCAs: [ca],
                                                              now: Date().addingTimeInterval(3000)))
        XCTAssertThrowsError(try ProxyCertificate.verifyDelegated(chain: chain, expectedKey: serverKey, trustedCAs: [ca],
                                                                  now: Date().addingTimeInterval(3700))) {
            XCTAssertTrue("\($0)".contains("expired"), "\($0)")
        }
        // The whole chain expires with the user certificate; signing from it is refused then too.
        let afterUser = user.notAfter.addingTimeInterval(60)
        XCTAssertThrowsError(try ProxyCertificate.verifyDelegated(chain: chain, expectedKey: serverKey, trustedCAs: [ca], now: afterUser))
        XCTAssertThrowsError(try ProxyCertificate.sign(request: request, issuer: user, issuerKey: userKey, chain: [user],
                                                       lifetime: 3600, now: afterUser)) {
            XCTAssertTrue("\($0)".contains("expired"), "\($0)")
        }
    }

    func testRejectsAProxyWhoseSubjectIsNotTheIssuerPlusOneCN() throws {
        let (serverKey, request) = try serverRequest()
        let proxy = try ProxyCertificate.sign(request: request, issuer: user, issuerKey: userKey, chain: [user], lifetime: 3600)
        // Sent with the wrong next certificate, the proxy's name does not extend it.
        XCTAssertThrowsError(try ProxyCertificate.verifyDelegated(chain: [proxy, ca], expectedKey: serverKey, trustedCAs: [ca])) {
            XCTAssertTrue("\($0)".contains("plus one CN"), "\($0)")
        }
        // The user certificate itself (subject not derived from the CA's) is not a proxy of the CA.
        XCTAssertThrowsError(try ProxyCertificate.verifyDelegated(chain: [user, ca], expectedKey: userKey, trustedCAs: [ca])) {
            XCTAssertTrue("\($0)".contains("plus one CN"), "\($0)")
        }
    }

    func testRejectsAChainFromAnUntrustedCA() throws {
        let (serverKey, request) = try serverRequest()
        let proxy = try ProxyCertificate.sign(request: request, issuer: user, issuerKey: userKey, chain: [user], lifetime: 3600)
        let otherDirectory = try X509TestSupport.temporaryDirectory("other-ca")
        defer { try? FileManager.default.removeItem(at: otherDirectory) }
        let otherCA = try X509TestSupport.caCertificate(TestPKI.create(in: otherDirectory))
        XCTAssertThrowsError(try ProxyCertificate.verifyDelegated(chain: [proxy, user], expectedKey: serverKey, trustedCAs: [otherCA]))
        XCTAssertNoThrow(try ProxyCertificate.verifyDelegated(chain: [proxy, user], expectedKey: serverKey, trustedCAs: [otherCA, ca]))
    }

    func testEndEntitySubjectStripsTheProxyCN() throws {
        let (_, request) = try serverRequest()
        let proxy = try ProxyCertificate.sign(request: request, issuer: user, issuerKey: userKey, chain: [user], lifetime: 3600)
        XCTAssertEqual(ProxyCertificate.endEntitySubject(of: proxy), pki.userDN)
        XCTAssertEqual(ProxyCertificate.endEntitySubject(of: user), pki.userDN)
        XCTAssertEqual(ProxyCertificate.endEntitySubject(of: ca), ca.subject)
        XCTAssertEqual(ProxyCertificate.endEntitySubject(ofChain: [proxy, user]), pki.userDN)
        XCTAssertNil(ProxyCertificate.endEntitySubject(ofChain: []))
    }

    func testDistinctObjectsCanBeUsedFromManyThreadsAtOnce() throws {
        let requests = try (0..<4).map { _ in try serverRequest() }
        /// Each iteration writes only its own slot; the lock makes that visible to the checking thread.
        let results = Mutex<[String?]>(Array(repeating: nil, count: 16))
        let user = self.user!, userKey = self.userKey!, ca = self.ca!
        let userPEM = user.pem, keyPEM = try userKey.pem()
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            do {
                let (serverKey, request) = requests[index % requests.count]
                let issuer = try Certificate(pem: userPEM), issuerKey = try PrivateKey(pem: keyPEM)
                let proxy = try ProxyCertificate.sign(request: CertificateRequest(pem: request.pem), issuer: issuer,
                                                      issuerKey: issuerKey, chain: [issuer], lifetime: 3600)
                let dn = try ProxyCertificate.verifyDelegated(chain: Certificate.all(inPEM: proxy.pem + userPEM),
                                                              expectedKey: serverKey, trustedCAs: [ca]).userDN
                results.withLock { $0[index] = dn }
            } catch {
                results.withLock { $0[index] = "error: \(error)" }
            }
        }
        XCTAssertEqual(results.withLock { $0 }, Array(repeating: pki.userDN, count: 16))
    }
}
