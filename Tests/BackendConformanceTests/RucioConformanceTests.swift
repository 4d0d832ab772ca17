import EmulatorSupport
import Foundation
import Logging
import RucioBackend
import RucioEmulator
import SciencefsCore
import SciencefsHTTP
import XCTest

/// The conformance suite against `RucioBackend` over the RucioEmulator: scope `user.alice`, uploads to SITE_A.
final class RucioConformanceTests: BackendConformanceTestCase {
    override func makeFixture() throws -> ConformanceFixture? { try RucioConformanceFixture() }
}

final class RucioConformanceFixture: ConformanceFixture {
    static let scope = "user.alice"

    /// RucioBackend+Upload.swift: files are written into datasets only; a DID is immutable, so other bytes under an
    /// existing name are EACCES; `mkdir` under a scope makes a dataset; there is no user-level delete (EACCES:
    /// data goes through rules and lifetimes) and no rename (EOPNOTSUPP: DID names are fixed). Listings are one
    /// JSON-lines stream, not pages.
    let capabilities = BackendCapabilities(listingPageSize: nil, upload: .supported, replace: .refused(.permissionDenied),
                                           mkdir: .supported, rmdir: .refused(.permissionDenied),
                                           unlink: .refused(.permissionDenied), rename: .refused(.unsupported),
                                           expiringTokens: true, refreshGap: nil)
    let maxRetries = 2
    let directory: URL
    let emulator: RucioEmulator
    let logger: Logger
    lazy var backend: Backend = makeBackend()
    private var seeded = 0

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rucio-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "test.conformance.rucio")
        logger.logLevel = .critical
        self.logger = logger
        var configuration = RucioEmulator.Configuration()
        var emulatorLogger = Logger(label: "test.conformance.rucio-emulator")
        emulatorLogger.logLevel = .critical
        configuration.logger = emulatorLogger
        emulator = try RucioEmulator(stateDirectory: directory.appendingPathComponent("state"), configuration: configuration)
        _ = try emulator.start()
        try emulator.addScope(Self.scope, account: "alice")
        try emulator.addCollection(scope: Self.scope, name: "uploads", type: .dataset)
    }

    func makeBackend() -> Backend {
        let retry = RetryPolicy(maxRetries: maxRetries, initialDelay: 0.01, multiplier: 2, maxDelay: 0.05, jitter: 0.1)
        let configuration = RucioConfiguration(name: "rucio", rucioHost: emulator.baseURL.absoluteString, account: "alice",
                                               credentials: .userpass(username: "alice", password: "alice-password"),
                                               uploadRSE: "SITE_A", connectTimeout: 2, retry: retry, storageRetry: .none)
        return RucioBackend(configuration: configuration, logger: logger)
    }

    var faults: FaultInjector { emulator.faults }
    var requestLog: RequestLog { emulator.requestLog }

    func tearDown() {
        emulator.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A new dataset holding `files`, each a DID of the scope with a replica on SITE_A.
    func seedDirectory(_ files: [(name: String, data: Data)]) throws -> SeededDirectory {
        seeded += 1
        let dataset = "seed-\(seeded)"
        try emulator.addCollection(scope: Self.scope, name: dataset, type: .dataset)
        for file in files { try addFile(file.name, file.data, to: dataset) }
        return SeededDirectory(path: RemotePath([Self.scope, dataset]), files: files.map {
            SeededFile(name: DIDNameCoding.encode($0.name) ?? $0.name, content: $0.data)
        })
    }

    private func addFile(_ name: String, _ data: Data, to dataset: String) throws {
        try emulator.addFile(scope: Self.scope, name: name, data: data, rses: ["SITE_A"])
        try emulator.attach(scope: Self.scope, name: dataset, children: [(Self.scope, name)])
    }

    func refreshProbe() throws -> (directory: RemotePath, addOnServer: () throws -> String) {
        let directory = try seedDirectory([("first.dat", Data("1\n".utf8))])
        return (directory.path, { [self] in
            try addFile("added-on-server.dat", Data("2\n".utf8), to: directory.path.name)
            return "added-on-server.dat"
        })
    }

    func uploadDirectory() throws -> RemotePath { RemotePath([Self.scope, "uploads"]) }
    var mkdirParent: RemotePath { RemotePath([Self.scope]) }

    /// DIDNameCoding: `%`, `/` and `:` are escaped, a whole `.`/`..` name too; everything else is kept. (A DID named
    /// `..` cannot be seeded here: the emulator stores replicas at PFNs made from the name.) Rucio's generic schema
    /// allows none of `#?% :` in a name (docs/protocols/rucio.md §5), so such DIDs come only from other schemas; a
    /// `#` or `?` would end the path of the PFN an upload builds from the name (§6.4), so none is uploaded.
    let hostileNames = [
        HostileName("with space.txt"), HostileName("100%.txt", shown: "100%25.txt"), HostileName("a/b.txt", shown: "a%2Fb.txt"),
        HostileName("/leading-slash", shown: "%2Fleading-slash"), HostileName("colon:name", shown: "colon%3Aname"),
        HostileName("hash#tag?.txt", uploadable: false), HostileName("ünïcödé 日本.txt"),
        HostileName("plus+sign&x=y.txt"),
    ]

    /// A `%` that is not one of DIDNameCoding's escapes names no DID: EINVAL before any request.
    var refusedNames: [(name: String, error: FSError)] { [("bad%zz", .invalidArgument("")), ("x%2f", .invalidArgument(""))] }

    func statRequest(for path: RemotePath) -> (method: String, path: FaultInjector.PathMatch) {
        ("GET", .prefix("/dids/\(Self.scope)/"))
    }

    func listingRequests() -> Int { emulator.requestLog.entries(method: "GET", pathPrefix: "/dids/", listener: "api").count }
    func tokenRequests() -> Int { emulator.requestLog.entries(pathPrefix: "/auth/", listener: "api").count }
}

extension RucioConformanceTests {
    /// Rucio's own limits on where files and directories go (docs/SEMANTICS.md, "What each source can do").
    func testFilesGoIntoDatasetsAndDatasetsHoldOnlyFiles() throws {
        let backend = fixture.backend
        let scope = RemotePath([RucioConformanceFixture.scope])
        XCTAssertThrowsFSError(.permissionDenied, try backend.upload(Data("x".utf8), to: scope.appending("loose.dat")),
                               "a file directly under a scope")
        let dataset = try fixture.uploadDirectory()
        XCTAssertThrowsFSError(.permissionDenied, try backend.makeDirectory(dataset.appending("sub")), "mkdir in a dataset")
        XCTAssertThrowsFSError(.permissionDenied, try backend.makeDirectory(RemotePath(["no.such.scope"])),
                               "scopes are made by administrators")
    }
}
