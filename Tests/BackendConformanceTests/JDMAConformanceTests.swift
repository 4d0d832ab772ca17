import EmulatorSupport
import Foundation
import JDMABackend
import JDMAEmulator
import Logging
import SciencefsCore
import SciencefsHTTP
import SciencefsStore
import XCTest

/// The conformance suite against `JDMABackend` over the JDMAEmulator: user `alice` in workspaces `gws` and `gws2`,
/// a fast tape (stored batches are staged for reading in a fraction of a second).
final class JDMAConformanceTests: BackendConformanceTestCase {
    override func makeFixture() throws -> ConformanceFixture? { try JDMAConformanceFixture() }
}

final class JDMAConformanceFixture: ConformanceFixture {
    /// JDMABackend+Write.swift: writes go into a local (unsubmitted) batch, `mkdir <workspace>/<label>`, where files
    /// can be replaced, renamed and removed, and an empty batch removed, until it is submitted as one PUT. Stored
    /// batches are immutable (their files refuse these with EACCES; see `testStoredBatchesRefuseChanges`). JDMA
    /// has no authentication, so no token; its listings are whole documents.
    let capabilities = BackendCapabilities(
        listingPageSize: nil, upload: .supported, replace: .supported, mkdir: .supported, rmdir: .supported,
        unlink: .supported, rename: .supported, expiringTokens: false,
        refreshGap: nil)
    let maxRetries = 2
    let directory: URL
    let staging: URL
    let emulator: JDMAEmulator
    let logger: Logger
    /// The Core's job tracker (a real SQLite journal): JDMA's GET and PUT requests are followed there, as in a mount.
    let tracker: TransferTracker
    lazy var backend: Backend = try! makeBackend()
    private var seeded = 0
    private var uploadBatch: RemotePath?

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("jdma-conformance-\(UUID().uuidString)")
        staging = directory.appendingPathComponent("staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        var logger = Logger(label: "test.conformance.jdma")
        logger.logLevel = .critical
        self.logger = logger
        var emulatorLogger = Logger(label: "test.conformance.jdma-emulator")
        emulatorLogger.logLevel = .critical
        emulator = try JDMAEmulator(stateDirectory: directory.appendingPathComponent("state"),
                                    configuration: .init(tapeDelay: 0.05, tickInterval: 0.02, logger: emulatorLogger))
        _ = try emulator.start()
        emulator.addUser("alice", workspaces: ["gws", "gws2"], quotaBytes: 1 << 30)
        let store = try MetadataStore(directory: directory.appendingPathComponent("store"))
        tracker = TransferTracker(store: store, policy: PollPolicy(firstInterval: 0.02, maxInterval: 0.1), logger: logger)
        tracker.startMonitoring { _ in }
    }

    func makeBackend() throws -> Backend {
        let retry = RetryPolicy(maxRetries: maxRetries, initialDelay: 0.01, multiplier: 2, maxDelay: 0.05, jitter: 0.1)
        let backend = try JDMABackend(configuration: JDMAConfiguration(
            name: "jdma", serverURL: emulator.serverURL.absoluteString, userName: "alice", workspaces: ["gws", "gws2"],
            stagingDirectory: staging, readTimeout: 20, connectTimeout: 2, retry: retry), logger: logger)
        backend.attach(tracker.jobs(of: "jdma"))
        return backend
    }

    var faults: FaultInjector { emulator.faults }
    var requestLog: RequestLog { emulator.requestLog }

    func tearDown() {
        tracker.stopMonitoring()
        emulator.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A new batch on tape in `gws` holding `files`.
    func seedDirectory(_ files: [(name: String, data: Data)]) throws -> SeededDirectory {
        seeded += 1
        let label = "seed-\(seeded)"
        try emulator.addBatch(user: "alice", workspace: "gws", label: label,
                              files: Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0.data) }), onTape: true)
        return SeededDirectory(path: RemotePath(["gws", label]), files: files.map { SeededFile(name: $0.name, content: $0.data) })
    }

    /// Batches are immutable: what appears on the server is a new batch in the workspace.
    func refreshProbe() throws -> (directory: RemotePath, addOnServer: () throws -> String) {
        _ = try seedDirectory([("first.dat", Data("1\n".utf8))])
        return (RemotePath(["gws"]), { [self] in
            try emulator.addBatch(user: "alice", workspace: "gws", label: "added-on-server",
                                  files: ["f.dat": Data("2\n".utf8)], onTape: true)
            return "added-on-server"
        })
    }

    /// A local batch, made through the backend (the only place JDMA takes new files).
    func uploadDirectory() throws -> RemotePath {
        if let uploadBatch { return uploadBatch }
        let path = RemotePath(["gws", "uploads"])
        _ = try backend.makeDirectory(path)
        uploadBatch = path
        return path
    }

    var mkdirParent: RemotePath { RemotePath(["gws"]) }

    /// Each workspace is its own filesystem: a rename between two is EXDEV, so `mv` copies.
    func crossDeviceRename() throws -> (from: RemotePath, to: RemotePath)? {
        let from = try uploadDirectory().appending("exdev.bin")
        try backend.upload(Data("x".utf8), to: from)
        return (from, RemotePath(["gws2", "uploads", "exdev.bin"]))
    }

    /// Files of a batch keep their original names; only `/` makes directories.
    let hostileNames = ["with space.txt", "100%.txt", "a%2Fb.txt", "hash#tag.txt", "what?.txt", "ünïcödé 日本.txt",
                        "plus+sign&x=y.txt", "semi;colon.txt", "..dots.."].map { HostileName($0) }

    func statRequest(for path: RemotePath) -> (method: String, path: FaultInjector.PathMatch) {
        ("GET", .contains("/api/v1/"))
    }

    /// JDMA's error texts as the real server words them (docs/protocols/jdma.md §3): the text decides where the
    /// status does not, so the common statuses carry texts with the common meaning.
    func fault(status: Int) -> FaultInjector.Action {
        switch status {
        case 403: return Self.reply(403, "User alice does not have permission to access workspace gws")
        case 404: return Self.reply(404, "Migration with id 1 not found")
        default: return .status(status)
        }
    }

    /// docs/SEMANTICS.md "Service errors": a 403 that is not about permission is EIO, a quota is EDQUOT, and a 404
    /// that is not "not found" is EINVAL, even when its text mentions a quota.
    var serviceErrorOverrides: [(request: FaultInjector.PathMatch, fault: FaultInjector.Action, expected: FSError)] {
        [
            (.contains("/api/v1/file"), Self.reply(403, "Batch 1 is in the wrong stage for this request"), .io("")),
            (.contains("/api/v1/file"), Self.reply(403, "Quota exceeded for workspace gws"), .quotaExceeded),
            (.contains("/api/v1/file"), Self.reply(404, "Missing parameter: name"), .invalidArgument("")),
            (.contains("/api/v1/file"), Self.reply(404, "Workspace has no associated groupworkspace quota"),
             .invalidArgument("")),
        ]
    }

    private static func reply(_ status: Int, _ text: String) -> FaultInjector.Action {
        .replaceBody(status: status, contentType: "application/json",
                     body: Data("{\"error\": \"\(text)\", \"name\": \"alice\"}".utf8))
    }

    func listingRequests() -> Int { emulator.requestLog.entries(method: "GET").count }
}

extension JDMAConformanceTests {
    /// The other half of JDMA's capabilities: a batch on tape is immutable, whatever the local batches allow.
    func testStoredBatchesRefuseChanges() throws {
        let seeded = try fixture.seedDirectory([("kept.dat", Data("kept\n".utf8))])
        let file = seeded.path.appending("kept.dat")
        let backend = fixture.backend
        XCTAssertThrowsFSError(.permissionDenied, try backend.upload(Data("new".utf8), to: seeded.path.appending("new.dat")))
        XCTAssertThrowsFSError(.permissionDenied, try backend.upload(Data("other".utf8), to: file))
        XCTAssertThrowsFSError(.permissionDenied, try backend.delete(file, kind: .file), "without allow_batch_delete")
        XCTAssertThrowsFSError(.permissionDenied, try backend.rename(file, to: seeded.path.appending("moved.dat")))
        XCTAssertThrowsFSError(.permissionDenied, try backend.makeDirectory(seeded.path.appending("sub")))
        XCTAssertEqual(try backend.readData(file, offset: 0, length: 100), Data("kept\n".utf8))
    }
}
