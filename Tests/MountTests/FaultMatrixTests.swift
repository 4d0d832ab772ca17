import EmulatorSupport
import Foundation
import JDMAEmulator
import XCTest

/// Issue #8's fault table: every fault of `FaultMatrix.Kind` against every class of endpoint (list, stat, read,
/// upload, copy job, tape request), each through a real mount and real tools. For each cell: the tool ends within
/// `FaultMatrix.hangBound`, the outcome is the documented one, the mount stays up, and a log line names the cause
/// whenever the client saw the fault. With `SCIENCEFS_REPORTS` set the cells are written to `fault-table.md`.
final class FaultMatrixTests: XCTestCase {
    typealias Kind = FaultMatrix.Kind
    /// Shared with the other sources' cells in their own files (TapisFaultMatrixTests.swift).
    var cleanup: [() -> Void] = []
    var logForFailure: (() -> String)?

    override func tearDown() {
        if let logForFailure, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 6000 chars) ---\n\(logForFailure().suffix(6000))")
        }
        cleanup.reversed().forEach { $0() }
        cleanup = []
    }

    /// The documented outcomes (docs/RELIABILITY.md, "What each fault does"). A GET is repeated after a cut
    /// connection or a 5xx, and a read also after a reply shorter than its Content-Range; a JSON reply that does
    /// not parse is EIO. A POST is repeated after 503 (the server says it did nothing) but not after its reply was
    /// lost, because the server may have acted: then the caller gets EIO and nothing is sent twice behind its back.
    static let reads: [Kind: String] = [
        .latency: "ok", .serverErrors: "ok", .resetMidBody: "ok", .truncatedBody: "ok",
        .wrongContentLength: "ok", .neverAnswers: "ETIMEDOUT", .expiredToken: "ok",
    ]
    static let metadata = reads.merging([.truncatedBody: "EIO"]) { $1 }
    /// Agave uploads are repeatable (the same bytes to the same path), so only an unreadable reply is EIO; the
    /// staged bytes stay in the journal and are uploaded again.
    /// A reply cut short (but looking complete) is not retried by the HTTP client; the streamed upload it ended is
    /// followed by the upload at close, which succeeds, so `cp` does too.
    static let uploads = reads
    private static let submissions = reads.merging([.resetMidBody: "EIO", .truncatedBody: "EIO",
                                                    .wrongContentLength: "EIO"]) { $1 }

    func testList() throws {
        let fixture = try agaveMount()
        for i in 0..<Kind.allCases.count {
            for name in ["a.txt", "b.txt", "c.txt"] { try fixture.writeServerFile("list-\(i)/\(name)", Data(name.utf8)) }
        }
        try fixture.mount()
        try runMatrix(operation: "list (Agave `ls`)", bodyBytes: 600, injector: fixture.emulator.faults, mount: fixture,
                      expected: Self.metadata) { i, fault in
            .init(method: "GET", path: .prefix("/files/v2/listings/system/\(MountFixture.system)/list-\(i)"),
                  action: fault.action, count: fault.count)
        } perform: { i in
            let ls = fixture.run("ls", [fixture.path("list-\(i)")])
            return (ls.status == 0 && ls.lines == ["a.txt", "b.txt", "c.txt"], ls.stderr)
        }
    }

    func testStat() throws {
        let fixture = try agaveMount()
        for i in 0..<Kind.allCases.count { try fixture.writeServerFile("stat-\(i)/f.bin", Data(repeating: 7, count: 12_345)) }
        try fixture.mount()
        try runMatrix(operation: "stat (Agave `stat`)", bodyBytes: 600, injector: fixture.emulator.faults, mount: fixture,
                      expected: Self.metadata) { i, fault in
            .init(method: "GET", path: .prefix("/files/v2/listings/system/\(MountFixture.system)/stat-\(i)/f.bin"),
                  action: fault.action, count: fault.count)
        } perform: { i in
            let stat = fixture.run("stat", ["-c", "%s", fixture.path("stat-\(i)/f.bin")])
            return (stat.status == 0 && stat.lines == ["12345"], stat.stderr)
        }
    }

    func testRead() throws {
        let fixture = try agaveMount()
        for i in 0..<Kind.allCases.count { try fixture.writeServerFile("read-\(i)/data.bin", PseudoRandomBytes.make(3 << 20, seed: i)) }
        try fixture.mount()
        try runMatrix(operation: "read (Agave `cmp`, 3 MiB)", bodyBytes: 1 << 20, injector: fixture.emulator.faults,
                      mount: fixture, expected: Self.reads) { i, fault in
            .init(method: "GET", path: .prefix("/files/v2/media/system/\(MountFixture.system)/read-\(i)/"),
                  action: fault.action, count: fault.count)
        } perform: { i in
            let cmp = fixture.run("cmp", [fixture.path("read-\(i)/data.bin"), fixture.serverFile("read-\(i)/data.bin").path])
            return (cmp.status == 0, cmp.stderr + cmp.text)
        }
    }

    func testUpload() throws {
        let fixture = try agaveMount()
        for i in 0..<Kind.allCases.count {
            try fixture.writeServerFile("up-\(i)/existing.txt", Data("x".utf8))
            try PseudoRandomBytes.make(2 << 20, seed: 100 + i).write(to: fixture.root.appendingPathComponent("up-\(i).bin"))
        }
        try fixture.mount()
        try runMatrix(operation: "upload (`cp` into Agave, 2 MiB)", bodyBytes: 400, injector: fixture.emulator.faults,
                      mount: fixture, expected: Self.uploads) { i, fault in
            .init(method: "POST", path: .prefix("/files/v2/media/system/\(MountFixture.system)/up-\(i)"),
                  action: fault.action, count: fault.count)
        } perform: { i in
            let local = fixture.root.appendingPathComponent("up-\(i).bin")
            let cp = fixture.run("cp", [local.path, fixture.path("up-\(i)/new.bin")])
            let stored = try? Data(contentsOf: fixture.serverFile("up-\(i)/new.bin"))
            return (cp.status == 0 && stored == (try? Data(contentsOf: local)), cp.stderr)
        }
    }

    func testCopyJob() throws {
        let settings = FaultMatrix.sourceSettings
        let fts = try FTS3MountFixture(agaveSettings: settings, rucioSettings: settings, fts3Settings: settings)
        cleanup.append { fts.tearDown() }
        logForFailure = { fts.mount.log }
        for i in 0..<Kind.allCases.count {
            try fts.addRucioFile("copy-\(i).bin", size: 1 << 20, seed: UInt64(200 + i))
            try fts.mount.writeServerFile("cp-\(i)/existing.txt", Data("x".utf8))
        }
        try fts.mount.mount()
        try runMatrix(operation: "copy job (`cp` Rucio → Agave as an FTS3 job)", bodyBytes: 60, injector: fts.fts.faults,
                      mount: fts.mount, expected: Self.submissions) { _, fault in
            .init(method: nil, path: .prefix("/jobs"), action: fault.action, count: fault.count)
        } perform: { i in
            let source = fts.mount.rucioPath("\(FTS3MountFixture.scope)/\(FTS3MountFixture.dataset)/copy-\(i).bin")
            let cp = fts.mount.run("cp", [source, fts.mount.path("cp-\(i)/")])
            let stored = try? Data(contentsOf: fts.mount.serverFile("cp-\(i)/copy-\(i).bin"))
            return (cp.status == 0 && stored == (try? Data(contentsOf: fts.rucioFile("copy-\(i).bin"))), cp.stderr)
        }
    }

    func testTapeRequest() throws {
        let service = try JDMATestService(prefix: "sciencefs-faults")
        let jdma = service.jdma
        cleanup.append { service.stop() }
        jdma.setTapeDelay(0.2)
        let fixture = try agaveMount(extraConfig: service.sourceTable(extra: FaultMatrix.sourceSettings))
        var contents: [Data] = []
        for i in 0..<Kind.allCases.count {
            let data = PseudoRandomBytes.make(100_000, seed: 300 + i)
            contents.append(data)
            _ = try jdma.addBatch(user: "alice", workspace: "gws", label: "tape-\(i)", files: ["out.bin": data], onTape: true)
        }
        try fixture.mount()
        var expected = Self.submissions
        expected[.expiredToken] = nil
        try runMatrix(operation: "tape request (JDMA GET request, then `cmp`)", bodyBytes: 120, injector: jdma.faults,
                      mount: fixture, expected: expected,
                      notApplicable: [.expiredToken: "n/a: JDMA knows users by name, there is no token"]) { _, fault in
            .init(method: nil, path: .contains("/api/v1/request"), action: fault.action, count: fault.count)
        } perform: { i in
            let local = fixture.root.appendingPathComponent("tape-\(i).expected")
            try? contents[i].write(to: local)
            let cmp = fixture.run("cmp", [fixture.mountpoint.appendingPathComponent("jdma/gws/tape-\(i)/out.bin").path, local.path])
            return (cmp.status == 0, cmp.stderr + cmp.text)
        }
    }

    // MARK: Running the cells

    private func agaveMount(extraConfig: String = "") throws -> MountFixture {
        let fixture = try MountFixture(extraConfig: extraConfig, agaveSettings: FaultMatrix.sourceSettings)
        cleanup.append { fixture.tearDown() }
        logForFailure = { fixture.log }
        return fixture
    }

    func runMatrix(operation: String, bodyBytes: Int, injector: FaultInjector, mount: MountFixture,
                           expected: [Kind: String], notApplicable: [Kind: String] = [:],
                           rule: (Int, FaultMatrix.Fault) -> FaultInjector.Rule,
                           perform: (Int) -> (succeeded: Bool, stderr: String)) throws {
        var cells: [FaultMatrix.Cell] = []
        for (index, fault) in FaultMatrix.faults(bodyBytes: bodyBytes).enumerated() {
            if let reason = notApplicable[fault.kind] {
                cells.append(.init(operation: operation, fault: fault.kind, outcome: reason, expected: "—", seconds: 0,
                                   mountUp: mount.isMounted, logLine: nil))
                continue
            }
            let logStart = mount.log.utf8.count
            injector.add(rule(index, fault))
            let started = Date()
            let attempt = perform(index)
            let seconds = Date().timeIntervalSince(started)
            injector.removeAll()
            let mountUp = mount.isMounted && mount.run("ls", [mount.mountpoint.path], timeout: 30).status == 0
            let outcome = attempt.succeeded ? "ok"
                : FaultMatrix.errnoName(in: attempt.stderr) ?? "failed: \(attempt.stderr.split(separator: "\n").first ?? "")"
            let newLog = String(decoding: Array(mount.log.utf8.dropFirst(logStart)), as: UTF8.self)
            let cause = FaultMatrix.causeLine(in: Substring(newLog), words: fault.causeWords)
            let cell = FaultMatrix.Cell(operation: operation, fault: fault.kind, outcome: outcome,
                                        expected: expected[fault.kind] ?? "—", seconds: seconds, mountUp: mountUp,
                                        logLine: cause)
            cells.append(cell)
            print(cell.markdownRow)

            XCTAssertLessThan(seconds, FaultMatrix.hangBound, "\(operation) / \(fault.kind.rawValue): took too long")
            XCTAssertTrue(mountUp, "\(operation) / \(fault.kind.rawValue): the mount went away")
            XCTAssertEqual(outcome, expected[fault.kind], "\(operation) / \(fault.kind.rawValue): \(attempt.stderr)")
            // A fault the client must notice (an error status, a cut connection, silence, a rejected token), or
            // any fault that made the operation fail, must be named in the log. A too-large Content-Length or a
            // short body may pass unseen when the client stops reading at the range it asked for.
            let alwaysVisible: Set<Kind> = [.serverErrors, .resetMidBody, .neverAnswers, .expiredToken]
            if !fault.causeWords.isEmpty, outcome != "ok" || alwaysVisible.contains(fault.kind) {
                XCTAssertNotNil(cause, "\(operation) / \(fault.kind.rawValue): no log line names the cause:\n\(newLog.suffix(3000))")
            }
        }
        try FaultMatrix.report(operation: operation, cells: cells)
    }
}
