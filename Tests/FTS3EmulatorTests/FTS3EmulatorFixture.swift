@testable import FTS3Emulator
import Foundation
import Logging
import RucioEmulator
import SciencefsHTTP
import SciencefsX509
import XCTest

/// A test PKI, a Rucio emulator whose two RSE storage listeners (SITE_A, SITE_B) serve as source and
/// destination storage, an FTS3 emulator in front of them, and HTTPS clients for the three kinds of caller:
/// with the user certificate, with a bearer token, and with neither. Call `tearDown()` when done.
final class FTS3EmulatorFixture {
    static let scope = "user.alice"
    static let token = "fts3-test-token"
    static let tokenDN = "/DC=org/DC=sciencefs-test/O=Test/CN=Token User"

    let directory: URL
    let pki: TestPKI
    let rucio: RucioEmulator
    let fts: FTS3Emulator
    let endpoint: URL
    let certificateClient: HTTPClient
    let anonymousClient: HTTPClient

    init(transferDuration: TimeInterval) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fts3-emulator-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        pki = try SharedTestPKI.get()

        var rucioConfiguration = RucioEmulator.Configuration()
        rucioConfiguration.logger = Self.quietLogger("test.rucio-emulator")
        rucio = try RucioEmulator(stateDirectory: directory.appendingPathComponent("rucio"), configuration: rucioConfiguration)
        try rucio.start()
        try rucio.addScope(Self.scope, account: "alice")

        fts = try FTS3Emulator(stateDirectory: directory.appendingPathComponent("fts3"), pki: pki,
                               configuration: .init(transferDuration: transferDuration, bearerTokens: [Self.token: Self.tokenDN]),
                               logger: Self.quietLogger("test.fts3-emulator"))
        endpoint = try fts.start()

        let httpLogger = Self.quietLogger("test.http")
        certificateClient = HTTPClient(configuration: HTTPClientConfiguration(
            connectTimeout: 5, retry: .none,
            tls: TLSOptions(caBundlePath: pki.caCertificate.path, clientCertificatePath: pki.userCertificate.path,
                            clientKeyPath: pki.userKey.path)), logger: httpLogger)
        anonymousClient = HTTPClient(configuration: HTTPClientConfiguration(
            connectTimeout: 5, retry: .none, tls: TLSOptions(caBundlePath: pki.caCertificate.path)), logger: httpLogger)
    }

    func tearDown() {
        fts.stop()
        rucio.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .critical
        return logger
    }

    // MARK: Storage

    /// Puts `size` deterministic bytes on SITE_A as `scope:name`; returns its URL and Adler-32.
    func sourceFile(_ name: String, size: Int, seed: UInt64) throws -> (url: String, adler32: String) {
        try rucio.addFile(scope: Self.scope, name: name, size: size, seed: seed, rses: ["SITE_A"])
        let url = try XCTUnwrap(rucio.pfn(rse: "SITE_A", scope: Self.scope, name: name))
        return (url, try Self.adler32(of: rucio.storageFile(rse: "SITE_A", scope: Self.scope, name: name)))
    }

    /// A destination URL on SITE_B's storage (`dav://` when asked, which the emulator maps to http).
    func destinationURL(_ path: String, scheme: String = "http") -> String {
        let origin = rucio.storageURL(rse: "SITE_B").absoluteString
        return scheme + origin.dropFirst("http".count) + "fts3-tests/" + path
    }

    /// Where a destination URL's bytes land on disk.
    func destinationFile(_ path: String) -> URL {
        rucio.stateDirectory.appendingPathComponent("storage/SITE_B/fts3-tests").appendingPathComponent(path)
    }

    static func adler32(of file: URL) throws -> String {
        let data = try Data(contentsOf: file)
        var sum = Adler32()
        data.withUnsafeBytes { sum.update($0) }
        return sum.hex
    }

    // MARK: API calls

    enum Caller {
        case certificate
        case token(String)
        case anonymous
    }

    struct Reply {
        let status: Int
        let body: Data
        var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
        var object: [String: Any] { (json as? [String: Any]) ?? [:] }
        var array: [[String: Any]] { (json as? [[String: Any]]) ?? [] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// One API call; `path` is sent as given (the Python client's `//jobs` form works as well as `/jobs`).
    func call(_ method: HTTPMethod, _ path: String, as caller: Caller = .token(FTS3EmulatorFixture.token),
              json: Any? = nil, text: String? = nil) throws -> Reply {
        var body = RequestBody.none
        if let json { body = .data(try JSONSerialization.data(withJSONObject: json), contentType: "application/json") }
        if let text { body = .data(Data(text.utf8), contentType: "text/plain") }
        var request = HTTPRequest(method: method, url: endpoint.absoluteString + path, body: body)
        request.headers.add("Accept", "application/json")
        let client: HTTPClient
        switch caller {
        case .certificate: client = certificateClient
        case .token(let token):
            client = anonymousClient
            request.bearerToken = token
        case .anonymous: client = anonymousClient
        }
        do {
            let response = try client.send(request)
            return Reply(status: response.status, body: response.body)
        } catch HTTPError.status(let code, let body) {
            return Reply(status: code, body: body)
        }
    }

    /// Submits a job and returns its id (fails the test on anything but 200).
    func submit(_ files: [[String: Any]], params: [String: Any] = [:], as caller: Caller = .token(FTS3EmulatorFixture.token),
                file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let reply = try call(.post, "//jobs", as: caller, json: ["files": files, "params": params])
        XCTAssertEqual(reply.status, 200, reply.text, file: file, line: line)
        return try XCTUnwrap(reply.object["job_id"] as? String, reply.text, file: file, line: line)
    }

    static func transfer(_ source: String, _ destination: String, checksum: String? = nil, filesize: Int? = nil) -> [String: Any] {
        var entry: [String: Any] = ["sources": [source], "destinations": [destination]]
        if let checksum { entry["checksum"] = checksum }
        if let filesize { entry["filesize"] = filesize }
        return entry
    }

    /// Polls `GET /jobs/{id}` until the job is in a terminal state (or `timeout` passes); returns the last reply.
    @discardableResult
    func waitForJob(_ id: String, timeout: TimeInterval = 30, as caller: Caller = .token(FTS3EmulatorFixture.token)) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let job = try call(.get, "//jobs/\(id)", as: caller).object
            let state = job["job_state"] as? String ?? ""
            if ["FINISHED", "FAILED", "FINISHEDDIRTY", "CANCELED"].contains(state) || Date() > deadline { return job }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    func files(_ id: String, as caller: Caller = .token(FTS3EmulatorFixture.token)) throws -> [[String: Any]] {
        try call(.get, "//jobs/\(id)/files", as: caller).array
    }

    // MARK: Delegation

    /// The delegation dance as the Python client does it (docs/protocols/fts3.md §2.2): whoami → request → sign → PUT.
    /// Returns the PUT's status.
    @discardableResult
    func delegate(lifetime: TimeInterval = 7 * 3600) throws -> Int {
        let id = try XCTUnwrap(try call(.get, "//whoami", as: .certificate).object["delegation_id"] as? String)
        let csr = try call(.get, "//delegation/\(id)/request", as: .certificate)
        XCTAssertEqual(csr.status, 200, csr.text)
        let user = try Certificate(pem: String(contentsOf: pki.userCertificate, encoding: .utf8))
        let key = try PrivateKey(pem: String(contentsOf: pki.userKey, encoding: .utf8))
        let proxy = try ProxyCertificate.sign(request: CertificateRequest(pem: csr.text), issuer: user, issuerKey: key,
                                              chain: [], lifetime: lifetime)
        return try call(.put, "//delegation/\(id)/credential", as: .certificate, text: proxy.pem + user.pem).status
    }
}

/// One test PKI for all tests of a class (four RSA keys take a while to make); the class's `tearDown` removes it.
enum SharedTestPKI {
    private static let lock = NSLock()
    /// Guarded by `lock`.
    nonisolated(unsafe) private static var current: TestPKI?

    static func get() throws -> TestPKI {
        try lock.withLock {
            if let current { return current }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fts3-emulator-tests-pki-\(UUID().uuidString)")
            let made = try TestPKI.create(in: directory)
            current = made
            return made
        }
    }

    static func remove() {
        lock.withLock {
            if let current { try? FileManager.default.removeItem(at: current.directory) }
            current = nil
        }
    }
}
