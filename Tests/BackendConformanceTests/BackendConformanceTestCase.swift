import EmulatorSupport
import Foundation
import Logging
import SciencefsCore
import XCTest

/// The backend conformance suite: one set of checks written against the `Backend` protocol, run against every
/// backend over its emulator (each backend's subclass supplies a `ConformanceFixture`). An operation a backend does
/// not support is declared in its `BackendCapabilities`, and the check then asserts the documented refusal.
///
/// This class itself runs nothing: its checks run through the subclasses (`AgaveConformanceTests`, ...). Linux test
/// discovery lists a subclass's inherited checks only when the subclass declares a test of its own, so each
/// backend's class adds at least one check of what is particular to it.
class BackendConformanceTestCase: XCTestCase {
    var fixture: ConformanceFixture!

    /// Overridden by each backend's test class.
    func makeFixture() throws -> ConformanceFixture? { nil }

    override func setUpWithError() throws {
        guard let fixture = try makeFixture() else {
            throw XCTSkip("the shared checks run through each backend's subclass")
        }
        self.fixture = fixture
    }

    override func tearDown() {
        fixture?.tearDown()
        fixture = nil
    }

    private var backend: Backend { fixture.backend }
    private var capabilities: BackendCapabilities { fixture.capabilities }

    // MARK: Listing and stat

    func testListingReturnsEveryEntryOnceAcrossPages() throws {
        let pageSize = capabilities.listingPageSize
        let count = (pageSize ?? 10) * 3 + 1
        let seeded = try fixture.seedDirectory((0..<count).map { (String(format: "entry-%03d.dat", $0), Data("\($0)\n".utf8)) })
        let before = fixture.listingRequests()
        let names = try backend.list(seeded.path).map(\.name)
        XCTAssertEqual(names.count, count, "every entry exactly once")
        XCTAssertEqual(Set(names), Set(seeded.files.map(\.name)))
        if let pageSize {
            XCTAssertGreaterThanOrEqual(fixture.listingRequests() - before, count / pageSize + 1,
                                        "more entries than one page of \(pageSize) took several requests")
        }
    }

    func testStatOfAFileADirectoryAndAMissingName() throws {
        let seeded = try fixture.seedDirectory([("stat-me.bin", conformancePattern(1000))])
        let file = seeded.path.appending(seeded.files[0].name)
        let attributes = try backend.stat(file)
        XCTAssertEqual(attributes.kind, .file)
        if let content = seeded.files[0].content { XCTAssertEqual(attributes.size, UInt64(content.count)) }
        XCTAssertEqual(try backend.stat(seeded.path).kind, .directory)
        XCTAssertThrowsFSError(.notFound, try backend.stat(seeded.path.appending("no-such-name")))
        XCTAssertThrowsFSError(.notDirectory, try backend.list(file), "listing a file")

        let listed = try XCTUnwrap(try backend.list(seeded.path).first { $0.name == seeded.files[0].name })
        XCTAssertEqual(listed.attributes.kind, attributes.kind, "listing and stat agree")
        XCTAssertEqual(listed.attributes.size, attributes.size, "listing and stat agree")
    }

    // MARK: Reads

    func testRangedReadsAtTheStartTheLastByteAndPastTheEnd() throws {
        let seeded = try fixture.seedDirectory([("ranged.bin", conformancePattern(4096))])
        let path = seeded.path.appending(seeded.files[0].name)
        let size = try backend.stat(path).size
        XCTAssertGreaterThan(size, 2)
        let whole = try backend.readData(path, offset: 0, length: size)
        XCTAssertEqual(UInt64(whole.count), size)
        if let content = seeded.files[0].content { XCTAssertEqual(whole, content) }

        XCTAssertEqual(try backend.readData(path, offset: 0, length: 1), whole.prefix(1), "the first byte")
        XCTAssertEqual(try backend.readData(path, offset: size - 1, length: 1), whole.suffix(1), "the last byte")
        XCTAssertEqual(try backend.readData(path, offset: size - 1, length: 100), whole.suffix(1),
                       "a range over the end is clamped to it")
        XCTAssertEqual(try backend.readData(path, offset: 1, length: size - 2), Data(whole.dropFirst().dropLast()))
        var delivered = UInt64.max
        XCTAssertEqual(try backend.readData(path, offset: size, length: 10), Data(), "a read at the end is empty")
        XCTAssertNoThrow(delivered = try backend.read(path, offset: size + 1000, length: 10) { _ in })
        XCTAssertEqual(delivered, 0, "a read past the end delivers nothing, without an error")
    }

    // MARK: Writes

    func testUploadMakesAFileThatStatsListsAndReadsBack() throws {
        let directory = try fixture.uploadDirectory()
        let path = directory.appending("uploaded.bin")
        let data = conformancePattern(3000, seed: 7)
        switch capabilities.upload {
        case .supported:
            XCTAssertEqual(try backend.upload(data, to: path).size, 3000)
            XCTAssertEqual(try backend.stat(path).size, 3000)
            XCTAssertTrue(try backend.list(directory).contains { $0.name == "uploaded.bin" })
            XCTAssertEqual(try backend.readData(path, offset: 0, length: 3000), data)
            XCTAssertNoThrow(try backend.upload(data, to: path), "the same bytes again (a retried upload) succeed")
            XCTAssertEqual(try backend.readData(path, offset: 0, length: 3000), data)
        case .refused(let error):
            XCTAssertThrowsFSError(error, try backend.upload(data, to: path))
            XCTAssertThrowsFSError(.notFound, try backend.stat(path), "a refused upload leaves no name behind")
        }
    }

    func testUploadOverAnExistingFileReplacesItOrIsRefused() throws {
        guard capabilities.upload == .supported else { throw XCTSkip("uploads are \(capabilities.upload)") }
        let path = try fixture.uploadDirectory().appending("replaced.bin")
        let first = conformancePattern(2000, seed: 11), second = conformancePattern(1500, seed: 12)
        try backend.upload(first, to: path)
        switch capabilities.replace {
        case .supported:
            XCTAssertEqual(try backend.upload(second, to: path).size, 1500)
            XCTAssertEqual(try backend.stat(path).size, 1500)
            XCTAssertEqual(try backend.readData(path, offset: 0, length: 2000), second)
        case .refused(let error):
            XCTAssertThrowsFSError(error, try backend.upload(second, to: path))
            XCTAssertEqual(try backend.readData(path, offset: 0, length: 2000), first, "the old bytes stay")
        }
    }

    func testMkdirThenRmdir() throws {
        let path = fixture.mkdirParent.appending("made-by-suite")
        switch capabilities.mkdir {
        case .supported:
            XCTAssertEqual(try backend.makeDirectory(path).kind, .directory)
            XCTAssertEqual(try backend.stat(path).kind, .directory)
            XCTAssertTrue(try backend.list(fixture.mkdirParent).contains { $0.name == "made-by-suite" })
            XCTAssertThrowsFSError(.exists, try backend.makeDirectory(path), "mkdir of an existing directory")
            switch capabilities.rmdir {
            case .supported:
                XCTAssertNoThrow(try backend.delete(path, kind: .directory))
                XCTAssertThrowsFSError(.notFound, try backend.stat(path))
            case .refused(let error):
                XCTAssertThrowsFSError(error, try backend.delete(path, kind: .directory))
                XCTAssertEqual(try backend.stat(path).kind, .directory)
            }
        case .refused(let error):
            XCTAssertThrowsFSError(error, try backend.makeDirectory(path))
            XCTAssertThrowsFSError(.notFound, try backend.stat(path), "a refused mkdir leaves no name behind")
            guard case .refused(let rmdirError) = capabilities.rmdir else {
                return XCTFail("a backend without mkdir is expected to refuse rmdir too")
            }
            let seeded = try fixture.seedDirectory([("kept.dat", Data("kept\n".utf8))])
            XCTAssertThrowsFSError(rmdirError, try backend.delete(seeded.path, kind: .directory))
            XCTAssertEqual(try backend.stat(seeded.path).kind, .directory)
        }
    }

    func testRmdirOfADirectoryWithAFileIsENOTEMPTY() throws {
        guard capabilities.mkdir == .supported, capabilities.rmdir == .supported, capabilities.upload == .supported,
              capabilities.unlink == .supported else {
            throw XCTSkip("needs mkdir, upload, unlink and rmdir; rmdir is \(capabilities.rmdir)")
        }
        let directory = fixture.mkdirParent.appending("not-empty")
        _ = try backend.makeDirectory(directory)
        try backend.upload(Data("x".utf8), to: directory.appending("f.txt"))
        XCTAssertThrowsFSError(.notEmpty, try backend.delete(directory, kind: .directory))
        XCTAssertEqual(try backend.stat(directory.appending("f.txt")).size, 1, "nothing was deleted")
        try backend.delete(directory.appending("f.txt"), kind: .file)
        XCTAssertNoThrow(try backend.delete(directory, kind: .directory))
    }

    func testUnlinkRemovesAFileOrIsRefused() throws {
        let path = try existingFile("unlink-me.bin", conformancePattern(100, seed: 3))
        switch capabilities.unlink {
        case .supported:
            XCTAssertNoThrow(try backend.delete(path, kind: .file))
            XCTAssertThrowsFSError(.notFound, try backend.stat(path))
            XCTAssertFalse(try backend.list(path.parent).contains { $0.name == path.name })
        case .refused(let error):
            XCTAssertThrowsFSError(error, try backend.delete(path, kind: .file))
            XCTAssertEqual(try backend.stat(path).kind, .file, "the file is still there")
        }
    }

    // MARK: Rename

    func testRenameWithinADirectoryMovesTheBytesOrIsRefused() throws {
        let data = conformancePattern(500, seed: 5)
        let from = try existingFile("before.bin", data)
        let to = from.parent.appending("after.bin")
        switch capabilities.rename {
        case .supported:
            XCTAssertNoThrow(try backend.rename(from, to: to))
            XCTAssertThrowsFSError(.notFound, try backend.stat(from))
            XCTAssertEqual(try backend.readData(to, offset: 0, length: 1000), data)
        case .refused(let error):
            XCTAssertThrowsFSError(error, try backend.rename(from, to: to))
            XCTAssertEqual(try backend.stat(from).kind, .file, "the file keeps its name")
            XCTAssertThrowsFSError(.notFound, try backend.stat(to))
        }
    }

    func testRenameAcrossTheSourcesFilesystemsIsEXDEV() throws {
        guard let pair = try fixture.crossDeviceRename() else {
            throw XCTSkip("no rename inside this source crosses filesystems (rename is \(capabilities.rename))")
        }
        XCTAssertThrowsFSError(.crossDevice, try backend.rename(pair.from, to: pair.to))
        XCTAssertEqual(try backend.stat(pair.from).kind, .file, "the file keeps its name")
    }

    // MARK: Names

    func testHostileNamesRoundTripOrAreRefused() throws {
        let names = fixture.hostileNames
        let contents = names.indices.map { Data("hostile \($0)\n".utf8) }
        // A service that names its objects itself (AMIE) has no hostile names, only names it refuses.
        let seeded = try fixture.seedDirectory(names.isEmpty ? [("any", Data("any".utf8))]
                                                             : zip(names, contents).map { ($0.onServer, $1) })
        let listed = Set(try backend.list(seeded.path).map(\.name))
        for (name, content) in zip(names, contents) {
            XCTAssertTrue(listed.contains(name.shown), "\(name.onServer.debugDescription) is listed as \(name.shown.debugDescription): \(listed.sorted())")
            let path = seeded.path.appending(name.shown)
            XCTAssertEqual(try backend.stat(path).size, UInt64(content.count), name.shown)
            XCTAssertEqual(try backend.readData(path, offset: 0, length: 100), content, name.shown)
        }
        for (name, error) in fixture.refusedNames {
            XCTAssertThrowsFSError(error, try backend.stat(seeded.path.appending(name)), name)
        }
        guard capabilities.upload == .supported else { return }
        let directory = try fixture.uploadDirectory()
        for name in names where name.onServer == name.shown && name.uploadable {
            let content = Data("uploaded as \(name.shown)\n".utf8)
            let path = directory.appending("u-" + name.shown) // a new name: Rucio's DIDs are scope-wide
            XCTAssertNoThrow(try backend.upload(content, to: path), name.shown)
            XCTAssertEqual(try? backend.readData(path, offset: 0, length: 100), content, name.shown)
        }
        let uploaded = Set(try backend.list(directory).map(\.name))
        for name in names where name.onServer == name.shown && name.uploadable {
            XCTAssertTrue(uploaded.contains("u-" + name.shown), "uploaded \(name.shown.debugDescription) is listed: \(uploaded.sorted())")
        }
    }

    // MARK: Service errors

    /// docs/SEMANTICS.md "Service errors": the one table every service's statuses go through.
    func testHTTPStatusesGiveTheDocumentedErrno() throws {
        let seeded = try fixture.seedDirectory([("status.bin", Data("status\n".utf8))])
        let path = seeded.path.appending(seeded.files[0].name)
        let table: [(Int, FSError)] = [(404, .notFound), (410, .notFound), (401, .permissionDenied),
                                       (403, .permissionDenied), (409, .exists), (507, .noSpace)]
        for (status, expected) in table {
            fixture.faults.removeAll()
            let fresh = try fixture.makeBackend()
            let request = fixture.statRequest(for: path)
            fixture.faults.add(FaultInjector.Rule(method: request.method, path: request.path,
                                                  action: fixture.fault(status: status), count: nil))
            XCTAssertThrowsFSError(expected, try fresh.stat(path), "HTTP \(status)")
        }
        for override in fixture.serviceErrorOverrides {
            fixture.faults.removeAll()
            let fresh = try fixture.makeBackend()
            fixture.faults.add(FaultInjector.Rule(method: "GET", path: override.request, action: override.fault, count: nil))
            XCTAssertThrowsFSError(override.expected, try fresh.stat(path), "\(override.fault)")
        }
        fixture.faults.removeAll()
    }

    func testServerErrorsAreRetriedThenEIO() throws {
        let seeded = try fixture.seedDirectory([("retried.bin", Data("retried\n".utf8))])
        let path = seeded.path.appending(seeded.files[0].name)
        let request = fixture.statRequest(for: path)

        fixture.faults.add(FaultInjector.Rule(method: request.method, path: request.path, action: .status(500), count: 1))
        XCTAssertEqual(try fixture.makeBackend().stat(path).kind, .file, "one 500 is retried transparently")

        fixture.faults.removeAll()
        let before = fixture.requestLog.all.filter { $0.status == 503 }.count
        fixture.faults.add(FaultInjector.Rule(method: request.method, path: request.path, action: .status(503), count: nil))
        XCTAssertThrowsIO(try fixture.makeBackend().stat(path))
        XCTAssertEqual(fixture.requestLog.all.filter { $0.status == 503 }.count - before, 1 + fixture.maxRetries,
                       "the first request and each configured retry")
        fixture.faults.removeAll()
    }

    func testExpiredTokenIsRenewedTransparently() throws {
        guard capabilities.expiringTokens else { throw XCTSkip("the service has no token that expires") }
        let seeded = try fixture.seedDirectory([("token.bin", Data("token\n".utf8))])
        XCTAssertEqual(try backend.list(seeded.path).count, 1, "logged in")
        let tokens = fixture.tokenRequests()
        let request = fixture.statRequest(for: seeded.path.appending(seeded.files[0].name))
        fixture.faults.add(FaultInjector.Rule(method: request.method, path: request.path, action: .expiredToken, count: 1))
        XCTAssertEqual(try backend.list(seeded.path).map(\.name), seeded.files.map(\.name))
        XCTAssertTrue(fixture.faults.pending.isEmpty, "the server did reject the old token")
        XCTAssertEqual(fixture.tokenRequests(), tokens + 1, "one new token")
    }

    // MARK: Refresh

    /// `setfattr -n user.sciencefs.refresh` on a directory (docs/SEMANTICS.md "Listings and metadata"): through the
    /// Core, with the backend's default TTLs, a name added on the server shows at once.
    func testRefreshShowsANameAddedOnTheServer() throws {
        if let gap = capabilities.refreshGap { throw XCTSkip(gap) }
        let probe = try fixture.refreshProbe()
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-vfs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        var logger = Logger(label: "test.conformance.vfs")
        logger.logLevel = .critical
        let vfs = try VFS(backends: [backend], store: nil, dataCache: nil, stagingDirectory: staging, logger: logger)
        var ino = VFS.rootIno
        for name in [backend.name] + probe.directory.components { ino = try vfs.lookup(parent: ino, name: name).ino }
        let before = Set(try vfs.readdir(ino).map(\.name))

        let added = try probe.addOnServer()
        XCTAssertFalse(before.contains(added))
        try vfs.setxattr(ino, name: "user.sciencefs.refresh", value: Array("1".utf8))
        let after = Set(try vfs.readdir(ino).map(\.name))
        XCTAssertEqual(after, before.union([added]), "the new name, and nothing else changed")
        XCTAssertNoThrow(try vfs.lookup(parent: ino, name: added))
    }

    // MARK: The documented capabilities

    /// docs/SEMANTICS.md "What each source can do" has a column per source; the capabilities this suite checks the
    /// backend against must be the ones written there.
    func testCapabilitiesAreTheDocumentedOnes() throws {
        let markdown = try String(contentsOf: Self.semanticsDocument, encoding: .utf8)
        let column = try XCTUnwrap(Self.capabilityColumns(in: markdown)[backend.name],
                                   "docs/SEMANTICS.md has a column for \(backend.name)")
        let declared: [String: String] = [
            "upload": Self.cell(capabilities.upload), "replace": Self.cell(capabilities.replace),
            "mkdir": Self.cell(capabilities.mkdir), "rmdir": Self.cell(capabilities.rmdir),
            "unlink": Self.cell(capabilities.unlink), "rename": Self.cell(capabilities.rename),
            "expiring-token": capabilities.expiringTokens ? "yes" : "no",
        ]
        XCTAssertEqual(column, declared)
    }

    static var semanticsDocument: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/SEMANTICS.md")
    }

    /// The table headed `| operation | agave | rucio | ... |`: source → operation → cell.
    static func capabilityColumns(in markdown: String) -> [String: [String: String]] {
        var sources: [String] = []
        var columns: [String: [String: String]] = [:]
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if sources.isEmpty {
                if cells.first == "operation", cells.contains("agave") { sources = Array(cells.dropFirst()) }
                continue
            }
            guard line.hasPrefix("|") else { break }
            guard let operation = cells.first, !operation.hasPrefix("---") else { continue }
            for (source, cell) in zip(sources, cells.dropFirst()) { columns[source, default: [:]][operation] = cell }
        }
        return columns
    }

    private static func cell(_ outcome: Outcome) -> String {
        switch outcome {
        case .supported: return "yes"
        case .refused(let error): return error.errnoName
        }
    }

    // MARK: Helpers

    /// A file at `name` in the upload directory, uploaded when the backend uploads, else one seeded on the server.
    private func existingFile(_ name: String, _ data: Data) throws -> RemotePath {
        if capabilities.upload == .supported {
            let path = try fixture.uploadDirectory().appending(name)
            try backend.upload(data, to: path)
            return path
        }
        let seeded = try fixture.seedDirectory([(name, data)])
        return seeded.path.appending(seeded.files[0].name)
    }
}

/// Asserts that `body` throws an `FSError` with `expected`'s errno (the contract a user sees; the reason text an
/// EINVAL or EIO carries is not compared).
func XCTAssertThrowsFSError<T>(_ expected: FSError, _ body: @autoclosure () throws -> T, _ message: String = "",
                               file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), message, file: file, line: line) { error in
        XCTAssertEqual((error as? FSError)?.errno, expected.errno,
                       "\(message): expected \(expected), got \(error)", file: file, line: line)
    }
}

/// Asserts that `body` throws `FSError.io` (any reason).
func XCTAssertThrowsIO<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard case .io? = error as? FSError else { return XCTFail("expected FSError.io, got \(error)", file: file, line: line) }
    }
}
