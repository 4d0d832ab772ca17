@testable import FTS3Client
import Foundation
import SciencefsCore
import SciencefsHTTP
import XCTest

/// `.automatic` looks for a credential in the real client's order (docs/protocols/fts3.md §2.1), and what is found ends up on
/// the TLS connection.
final class FTS3CredentialLookupTests: XCTestCase {
    private func environment(_ variables: [String: String], files: Set<String>, euid: UInt32 = 1234) -> FTS3Identity.Environment {
        FTS3Identity.Environment(variables: variables, effectiveUserID: euid, fileExists: { files.contains($0) })
    }

    private func resolve(_ variables: [String: String], files: Set<String>,
                         _ credential: FTS3Configuration.Credential = .automatic) throws -> FTS3Identity {
        try FTS3Identity.resolve(credential, in: environment(variables, files: files))
    }

    private let everything: Set<String> = ["/env/proxy", "/tmp/x509up_u1234", "/env/cert.pem", "/env/key.pem",
                                           FTS3Identity.hostCertificate, FTS3Identity.hostKey]
    private let allVariables = ["X509_USER_PROXY": "/env/proxy", "X509_USER_CERT": "/env/cert.pem",
                                "X509_USER_KEY": "/env/key.pem"]

    func testProxyVariableComesFirst() throws {
        XCTAssertEqual(try resolve(allVariables, files: everything),
                       .x509(certificatePath: "/env/proxy", keyPath: "/env/proxy"))
    }

    func testThenTheDefaultProxyOfTheEffectiveUser() throws {
        var variables = allVariables
        variables["X509_USER_PROXY"] = nil
        XCTAssertEqual(try resolve(variables, files: everything),
                       .x509(certificatePath: "/tmp/x509up_u1234", keyPath: "/tmp/x509up_u1234"))
    }

    func testThenTheUserCertificateAndKey() throws {
        var variables = allVariables
        variables["X509_USER_PROXY"] = nil
        var files = everything
        files.remove("/tmp/x509up_u1234")
        XCTAssertEqual(try resolve(variables, files: files), .x509(certificatePath: "/env/cert.pem", keyPath: "/env/key.pem"))
        variables["X509_USER_KEY"] = nil
        XCTAssertEqual(try resolve(variables, files: files), .x509(certificatePath: "/env/cert.pem", keyPath: "/env/cert.pem"),
                       "without X509_USER_KEY the key is read from the certificate file")
    }

    func testThenTheHostCertificate() throws {
        XCTAssertEqual(try resolve([:], files: [FTS3Identity.hostCertificate, FTS3Identity.hostKey]),
                       .x509(certificatePath: FTS3Identity.hostCertificate, keyPath: FTS3Identity.hostKey))
    }

    func testNothingFoundIsAClearError() {
        XCTAssertThrowsError(try resolve([:], files: [])) { error in
            guard case .invalidArgument(let why)? = error as? FSError else { return XCTFail("got \(error)") }
            XCTAssertTrue(why.contains("X509_USER_PROXY") && why.contains("/tmp/x509up_u1234"), why)
        }
    }

    func testANamedFileThatIsMissingIsNamedInTheError() {
        XCTAssertThrowsError(try resolve(["X509_USER_PROXY": "/gone/proxy"], files: everything)) { error in
            XCTAssertEqual(error as? FSError, .invalidArgument("FTS3: X.509 certificate file /gone/proxy not found"))
        }
        XCTAssertThrowsError(try resolve([:], files: ["/c.pem"], .certificate(cert: "/c.pem", key: "/k.pem"))) { error in
            XCTAssertEqual(error as? FSError, .invalidArgument("FTS3: X.509 private key file /k.pem not found"))
        }
        XCTAssertThrowsError(try resolve([:], files: [], .proxy(path: "/p"))) { error in
            XCTAssertEqual(error as? FSError, .invalidArgument("FTS3: X.509 certificate file /p not found"))
        }
    }

    func testExplicitCredentialsIgnoreTheEnvironment() throws {
        XCTAssertEqual(try resolve(allVariables, files: ["/c.pem", "/k.pem"], .certificate(cert: "/c.pem", key: "/k.pem")),
                       .x509(certificatePath: "/c.pem", keyPath: "/k.pem"))
        XCTAssertEqual(try resolve(allVariables, files: ["/p"], .proxy(path: "/p")), .x509(certificatePath: "/p", keyPath: "/p"))
        XCTAssertEqual(try resolve(allVariables, files: [], .bearer(token: "eyJ.secret")), .bearer(token: "eyJ.secret"))
        XCTAssertThrowsError(try resolve([:], files: [], .bearer(token: "")))
    }

    func testTLSPresentsTheCertificateOrNothingForTokens() throws {
        let endpoint = try XCTUnwrap(URL(string: "https://fts.example.org:8446"))
        let config = FTS3Configuration(endpoint: endpoint, caBundle: "/ca.pem", verifyPeer: true)
        let env = environment(["X509_CERT_DIR": "/env/certificates"], files: [])

        let cert = FTS3API.httpConfiguration(config, identity: .x509(certificatePath: "/c.pem", keyPath: "/k.pem"), environment: env)
        XCTAssertEqual(cert.tls.clientCertificatePath, "/c.pem")
        XCTAssertEqual(cert.tls.clientKeyPath, "/k.pem")
        XCTAssertEqual(cert.tls.caBundlePath, "/ca.pem")
        XCTAssertEqual(cert.tls.caDirectory, "/env/certificates")
        XCTAssertTrue(cert.tls.verifyPeer)

        let proxy = FTS3API.httpConfiguration(config, identity: .x509(certificatePath: "/p", keyPath: "/p"), environment: env)
        XCTAssertEqual(proxy.tls.clientCertificatePath, "/p")
        XCTAssertNil(proxy.tls.clientKeyPath, "a proxy file carries its key; libcurl reads it from the same file")

        let token = FTS3API.httpConfiguration(config, identity: .bearer(token: "t"), environment: env)
        XCTAssertNil(token.tls.clientCertificatePath)
        XCTAssertNil(token.tls.clientKeyPath)
    }

    func testCADirectoryOrder() {
        let grid = "/etc/grid-security/certificates"
        XCTAssertEqual(FTS3Configuration.effectiveCADirectory(configured: "/mine", environment: ["X509_CERT_DIR": "/env"],
                                                              directoryExists: { _ in true }), "/mine")
        XCTAssertEqual(FTS3Configuration.effectiveCADirectory(configured: nil, environment: ["X509_CERT_DIR": "/env"],
                                                              directoryExists: { _ in true }), "/env")
        XCTAssertEqual(FTS3Configuration.effectiveCADirectory(configured: nil, environment: [:],
                                                              directoryExists: { $0 == grid }), grid)
        XCTAssertNil(FTS3Configuration.effectiveCADirectory(configured: nil, environment: [:], directoryExists: { _ in false }))
    }

    func testDescriptionsNeverShowTheToken() throws {
        let config = FTS3Configuration(endpoint: try XCTUnwrap(URL(string: "https://fts:8446")),
                                       credential: .bearer(token: "eyJhbGciOi.super-secret"))
        XCTAssertFalse("\(config)".contains("super-secret"))
        XCTAssertFalse("\(FTS3Identity.bearer(token: "eyJhbGciOi.super-secret"))".contains("super-secret"))
    }

    func testDefaults() throws {
        let config = FTS3Configuration(endpoint: try XCTUnwrap(URL(string: "https://fts:8446")))
        XCTAssertEqual(config.credential, .automatic)
        XCTAssertTrue(config.verifyPeer)
        XCTAssertEqual(config.delegationLifetime, 7 * 3600)
        XCTAssertEqual(config.delegateWhenLifetimeBelow, 2 * 3600)
    }
}
