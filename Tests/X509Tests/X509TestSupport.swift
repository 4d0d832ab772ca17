import Foundation
import SciencefsX509
import TestSupport
import XCTest

/// Helpers shared by the X509 tests: temporary directories, running the real `openssl` CLI, a PKI made once.
/// (Finding and running programs is TestSupport's `TestProcess`.)
enum X509TestSupport {
    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("x509-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `openssl` with `arguments`; skips the test when the CLI is missing.
    static func openssl(_ arguments: [String], input: String? = nil) throws -> ProcessOutput {
        guard let openssl = TestProcess.which("openssl") else { throw XCTSkip("the openssl CLI is not installed") }
        return try TestProcess.run(openssl, arguments, input: input)
    }

    static func write(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url)
    }

    /// Where the shared PKI lives; removed when the test process exits.
    static let sharedDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("x509-shared-pki-\(UUID().uuidString)")

    /// A PKI shared by the tests that only read it (key generation is the slow part of these tests).
    static let sharedPKI: Result<TestPKI, Error> = Result {
        atexit { try? FileManager.default.removeItem(at: X509TestSupport.sharedDirectory) }
        return try TestPKI.create(in: sharedDirectory)
    }

    static func pki() throws -> TestPKI {
        try sharedPKI.get()
    }

    static func userCertificate(_ pki: TestPKI) throws -> Certificate {
        try Certificate(pem: String(contentsOf: pki.userCertificate, encoding: .utf8))
    }

    static func userKey(_ pki: TestPKI) throws -> PrivateKey {
        try PrivateKey(pem: String(contentsOf: pki.userKey, encoding: .utf8))
    }

    static func caCertificate(_ pki: TestPKI) throws -> Certificate {
        try Certificate(pem: String(contentsOf: pki.caCertificate, encoding: .utf8))
    }
}
