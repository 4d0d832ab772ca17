import Foundation
import SciencefsX509
import XCTest

/// Helpers shared by the X509 tests: temporary directories, running the real `openssl` CLI, a PKI made once.
enum X509TestSupport {
    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("x509-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func which(_ tool: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs a program to completion, returning its exit status and combined output.
    static func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("x509-run-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let handle = try FileHandle(forWritingTo: outputFile)
        process.standardOutput = handle
        process.standardError = handle
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(Data(input.utf8))
            try inputPipe.fileHandleForWriting.close()
        }
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "")
    }

    /// Runs `openssl` with `arguments`; skips the test when the CLI is missing.
    static func openssl(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        guard let openssl = which("openssl") else { throw XCTSkip("the openssl CLI is not installed") }
        return try run(openssl, arguments, input: input)
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
