import Foundation
import SciencefsX509
import XCTest

/// The test PKI is what the FTS3 emulator's nginx and the client use; these tests hold it to the real openssl CLI.
final class TestPKITests: XCTestCase {
    func testUserAndServerCertificatesVerifyAgainstTheCAWithOpenSSL() throws {
        let pki = try X509TestSupport.pki()
        for certificate in [pki.userCertificate, pki.serverCertificate] {
            let result = try X509TestSupport.openssl(["verify", "-CAfile", pki.caCertificate.path, certificate.path])
            XCTAssertEqual(result.status, 0, result.output)
            XCTAssertTrue(result.output.contains("\(certificate.path): OK"), result.output)
        }
    }

    func testCADirectoryIsUsableAsCApath() throws {
        let pki = try X509TestSupport.pki()
        let hash = try X509TestSupport.openssl(["x509", "-hash", "-noout", "-in", pki.caCertificate.path])
        XCTAssertEqual(hash.status, 0, hash.output)
        let expectedName = hash.output.trimmingCharacters(in: .whitespacesAndNewlines) + ".0"
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: pki.caDirectory.path), [expectedName])
        XCTAssertEqual(try X509TestSupport.caCertificate(pki).subjectHash + ".0", expectedName)
        let verify = try X509TestSupport.openssl(["verify", "-CApath", pki.caDirectory.path, pki.userCertificate.path])
        XCTAssertEqual(verify.status, 0, verify.output)
    }

    func testServerCertificateNamesLocalhostForTLS() throws {
        let pki = try X509TestSupport.pki()
        let text = try X509TestSupport.openssl(["x509", "-noout", "-text", "-in", pki.serverCertificate.path])
        XCTAssertEqual(text.status, 0, text.output)
        XCTAssertTrue(text.output.contains("IP Address:127.0.0.1"), text.output)
        XCTAssertTrue(text.output.contains("DNS:localhost"), text.output)
        XCTAssertTrue(text.output.contains("TLS Web Server Authentication"), text.output)
        let purpose = try X509TestSupport.openssl(["verify", "-CAfile", pki.caCertificate.path, "-purpose", "sslserver",
                                                   "-verify_ip", "127.0.0.1", pki.serverCertificate.path])
        XCTAssertEqual(purpose.status, 0, purpose.output)
        let server = try Certificate(pem: String(contentsOf: pki.serverCertificate, encoding: .utf8))
        XCTAssertTrue(server.publicKeyMatches(try PrivateKey(pem: String(contentsOf: pki.serverKey, encoding: .utf8))))
    }

    func testUserCertificateIsAClientCertificateWithTheGridStyleDN() throws {
        let pki = try X509TestSupport.pki()
        XCTAssertEqual(pki.userDN, "/DC=org/DC=sciencefs-test/O=Test/CN=Alice Researcher")
        let user = try X509TestSupport.userCertificate(pki)
        XCTAssertEqual(user.subject, pki.userDN)
        XCTAssertFalse(user.isProxy)
        XCTAssertTrue(user.publicKeyMatches(try X509TestSupport.userKey(pki)))
        let purpose = try X509TestSupport.openssl(["verify", "-CAfile", pki.caCertificate.path, "-purpose", "sslclient",
                                                   pki.userCertificate.path])
        XCTAssertEqual(purpose.status, 0, purpose.output)
    }

    func testUserProxyFileHoldsProxyKeyAndUserCertificateAndVerifiesWithOpenSSL() throws {
        let pki = try X509TestSupport.pki()
        let text = try String(contentsOf: pki.userProxy, encoding: .utf8)
        let labels = text.split(separator: "\n").filter { $0.hasPrefix("-----BEGIN ") }
        XCTAssertEqual(labels, ["-----BEGIN CERTIFICATE-----", "-----BEGIN PRIVATE KEY-----", "-----BEGIN CERTIFICATE-----"])
        let certificates = try Certificate.all(inPEM: text)
        XCTAssertEqual(certificates.count, 2)
        let proxy = certificates[0], user = certificates[1]
        XCTAssertTrue(proxy.isProxy)
        XCTAssertTrue(proxy.publicKeyMatches(try PrivateKey(pem: text)), "the key in the file is the proxy's")
        XCTAssertEqual(user.subject, pki.userDN)
        XCTAssertEqual(ProxyCertificate.endEntitySubject(of: proxy), pki.userDN)
        XCTAssertEqual(proxy.notAfter.timeIntervalSince(proxy.notBefore), 12 * 3600 + 5 * 60, accuracy: 2)

        let directory = try X509TestSupport.temporaryDirectory("proxy-verify")
        defer { try? FileManager.default.removeItem(at: directory) }
        let proxyFile = directory.appendingPathComponent("proxy.pem")
        try X509TestSupport.write(proxy.pem, to: proxyFile)
        let verify = try X509TestSupport.openssl(["verify", "-allow_proxy_certs", "-CAfile", pki.caCertificate.path,
                                                  "-untrusted", pki.userCertificate.path, proxyFile.path])
        XCTAssertEqual(verify.status, 0, verify.output)
        XCTAssertTrue(verify.output.contains(": OK"), verify.output)
    }

    func testPrivateKeyFilesAreOwnerOnly() throws {
        let pki = try X509TestSupport.pki()
        for file in [pki.userKey, pki.serverKey, pki.userProxy] {
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600, file.lastPathComponent)
        }
    }

    func testRecreatingInTheSameDirectoryReplacesTheFilesAndHonoursTheOptions() throws {
        let directory = try X509TestSupport.temporaryDirectory("recreate")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try TestPKI.create(in: directory)
        let second = try TestPKI.create(in: directory, userCommonName: "Bob Example", validity: 3 * 3600)
        XCTAssertEqual(second.userDN, "/DC=org/DC=sciencefs-test/O=Test/CN=Bob Example")
        XCTAssertEqual(first.userKey, second.userKey)
        let user = try X509TestSupport.userCertificate(second)
        XCTAssertEqual(user.subject, second.userDN)
        XCTAssertEqual(user.notAfter.timeIntervalSinceNow, 3 * 3600, accuracy: 60)
        let proxy = try Certificate(pem: String(contentsOf: second.userProxy, encoding: .utf8))
        XCTAssertEqual(proxy.notAfter, user.notAfter, "the 12 h proxy is capped by the 3 h user certificate")
        let hashed = try FileManager.default.contentsOfDirectory(atPath: second.caDirectory.path)
        XCTAssertEqual(hashed.count, 1, "the same CA name hashes to the same file, which is replaced")
        XCTAssertEqual(try String(contentsOf: second.caDirectory.appendingPathComponent(hashed[0]), encoding: .utf8),
                       try String(contentsOf: second.caCertificate, encoding: .utf8))
        let verify = try X509TestSupport.openssl(["verify", "-CAfile", second.caCertificate.path, second.userCertificate.path])
        XCTAssertEqual(verify.status, 0, verify.output)
    }
}
