import Foundation
import SciencefsX509
import XCTest

/// Reading and writing keys, certificates and requests, checked against the openssl CLI.
final class PEMTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try X509TestSupport.temporaryDirectory("pem")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testGeneratedKeyRoundTripsThroughPKCS8PEM() throws {
        let key = try PrivateKey.generateRSA(bits: 1024)
        XCTAssertEqual(key.bits, 1024)
        let pem = try key.pem()
        XCTAssertTrue(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"), pem.prefix(40).description)
        let again = try PrivateKey(pem: pem)
        XCTAssertEqual(try again.pem(), pem)
        XCTAssertEqual(again.bits, 1024)
        XCTAssertEqual(try PrivateKey.generateRSA().bits, 2048, "the default size")
    }

    func testReadsPKCS1AndECKeysMadeByOpenSSL() throws {
        let rsaFile = directory.appendingPathComponent("rsa.key")
        let generated = try X509TestSupport.openssl(["genrsa", "-traditional", "-out", rsaFile.path, "1024"])
        XCTAssertEqual(generated.status, 0, generated.output)
        let rsaPEM = try String(contentsOf: rsaFile, encoding: .utf8)
        XCTAssertTrue(rsaPEM.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        let rsa = try PrivateKey(pem: rsaPEM)
        XCTAssertEqual(rsa.bits, 1024)
        XCTAssertTrue(try rsa.pem().hasPrefix("-----BEGIN PRIVATE KEY-----"))

        let ecFile = directory.appendingPathComponent("ec.key")
        let ec = try X509TestSupport.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ecFile.path])
        XCTAssertEqual(ec.status, 0, ec.output)
        XCTAssertEqual(try PrivateKey(pem: String(contentsOf: ecFile, encoding: .utf8)).bits, 256)
    }

    func testEncryptedKeysNeedThePassphraseAndNeverPrompt() throws {
        let file = directory.appendingPathComponent("encrypted.key")
        let made = try X509TestSupport.openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024",
                                                "-aes-128-cbc", "-pass", "pass:s3cret", "-out", file.path])
        XCTAssertEqual(made.status, 0, made.output)
        let pem = try String(contentsOf: file, encoding: .utf8)
        XCTAssertThrowsError(try PrivateKey(pem: pem))
        XCTAssertThrowsError(try PrivateKey(pem: pem, passphrase: "wrong"))
        XCTAssertEqual(try PrivateKey(pem: pem, passphrase: "s3cret").bits, 1024)
    }

    func testGarbageIsAnErrorCarryingOpenSSLsReason() throws {
        XCTAssertThrowsError(try PrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")) {
            let message = "\($0)"
            XCTAssertTrue(message.hasPrefix("reading a private key from PEM: error:"), message)
        }
        XCTAssertThrowsError(try Certificate(pem: "no PEM here"))
        XCTAssertThrowsError(try Certificate(pem: ""))
        XCTAssertThrowsError(try CertificateRequest(pem: "-----BEGIN CERTIFICATE REQUEST-----\n!!\n-----END CERTIFICATE REQUEST-----\n")) {
            XCTAssertTrue("\($0)".contains("error:"), "\($0)")
        }
        XCTAssertThrowsError(try CertificateRequest.make(key: PrivateKey.generateRSA(bits: 1024), subject: "CN=no-leading-slash"))
        XCTAssertThrowsError(try CertificateRequest.make(key: PrivateKey.generateRSA(bits: 1024), subject: "/NOTATYPE=x"))
    }

    func testCertificateFieldsMatchTheOpenSSLCLI() throws {
        let pki = try X509TestSupport.pki()
        let user = try X509TestSupport.userCertificate(pki)
        let printed = try X509TestSupport.openssl(["x509", "-noout", "-subject", "-issuer", "-serial", "-nameopt", "compat",
                                                   "-in", pki.userCertificate.path])
        XCTAssertEqual(printed.status, 0, printed.output)
        XCTAssertEqual(printed.output.split(separator: "\n").map(String.init),
                       ["subject=\(user.subject)", "issuer=\(user.issuer)", "serial=\(user.serialNumberHex)"])
        XCTAssertEqual(user.issuer, "/DC=org/DC=sciencefs-test/CN=Sciencefs Test CA")

        // openssl 3.0 prints "notAfter=Nov 30 15:03:55 2026 GMT" (day padded with a space).
        let dates = try X509TestSupport.openssl(["x509", "-noout", "-enddate", "-startdate", "-in", pki.userCertificate.path])
        XCTAssertEqual(dates.status, 0, dates.output)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy 'GMT'"
        let printedDates = dates.output.split(separator: "\n").map { line in
            formatter.date(from: line.split(separator: "=", maxSplits: 1)[1].split(separator: " ").joined(separator: " "))
        }
        XCTAssertEqual(printedDates, [user.notAfter, user.notBefore])
        XCTAssertEqual(user.notAfter.timeIntervalSince(user.notBefore), 7 * 86400 + 3600, accuracy: 5)
    }

    func testAllCertificatesAreReadInOrderSkippingKeys() throws {
        let pki = try X509TestSupport.pki()
        let proxyFile = try String(contentsOf: pki.userProxy, encoding: .utf8)
        let ca = try String(contentsOf: pki.caCertificate, encoding: .utf8)
        let certificates = try Certificate.all(inPEM: "leading text\n" + proxyFile + ca)
        XCTAssertEqual(certificates.map(\.subject).dropFirst(), [pki.userDN, "/DC=org/DC=sciencefs-test/CN=Sciencefs Test CA"])
        XCTAssertTrue(certificates[0].subject.hasPrefix(pki.userDN + "/CN="))
        XCTAssertEqual(try Certificate(pem: proxyFile).pem, certificates[0].pem)
        XCTAssertEqual(try Certificate(pem: certificates[2].pem).pem, ca, "PEM round trip is byte-for-byte")
        XCTAssertEqual(try Certificate.all(inPEM: try X509TestSupport.userKey(pki).pem()).count, 0)
        XCTAssertThrowsError(try Certificate.all(inPEM: ca + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")) {
            XCTAssertTrue("\($0)".contains("reading certificate 2"), "\($0)")
        }
    }

    func testRequestRoundTripsAndOpenSSLAcceptsIt() throws {
        let key = try PrivateKey.generateRSA(bits: 1024)
        let request = try CertificateRequest.make(key: key, subject: "/DC=org/CN=proxy")
        XCTAssertEqual(request.subject, "/DC=org/CN=proxy")
        XCTAssertTrue(request.pem.hasPrefix("-----BEGIN CERTIFICATE REQUEST-----"))
        let parsed = try CertificateRequest(pem: request.pem)
        XCTAssertEqual(parsed.pem, request.pem)
        XCTAssertTrue(parsed.publicKeyMatches(key))
        XCTAssertFalse(parsed.publicKeyMatches(try PrivateKey.generateRSA(bits: 1024)))

        let file = directory.appendingPathComponent("request.pem")
        try X509TestSupport.write(request.pem, to: file)
        let verify = try X509TestSupport.openssl(["req", "-verify", "-noout", "-subject", "-nameopt", "compat", "-in", file.path])
        XCTAssertEqual(verify.status, 0, verify.output)
        XCTAssertTrue(verify.output.contains("subject=/DC=org/CN=proxy"), verify.output)

        // A request made by openssl reads too, and a UTF-8 name survives.
        let keyFile = directory.appendingPathComponent("k.pem"), openSSLRequest = directory.appendingPathComponent("o.csr")
        try X509TestSupport.write(try key.pem(), to: keyFile)
        let made = try X509TestSupport.openssl(["req", "-new", "-key", keyFile.path, "-subj", "/O=Lab/CN=Zoë Proxy", "-utf8",
                                                "-out", openSSLRequest.path])
        XCTAssertEqual(made.status, 0, made.output)
        let theirs = try CertificateRequest(pem: String(contentsOf: openSSLRequest, encoding: .utf8))
        XCTAssertEqual(theirs.subject, "/O=Lab/CN=Zoë Proxy")
        XCTAssertTrue(theirs.publicKeyMatches(key))
    }

    func testSHA1HexMatchesKnownVectors() {
        XCTAssertEqual(Digest.sha1Hex(Data()), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(Digest.sha1Hex(Data("abc".utf8)), "a9993e364706816aba3e25717850c26c9cd0d89d")
    }
}
