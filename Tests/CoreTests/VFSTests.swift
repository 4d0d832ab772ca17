import Foundation
import Logging
import SciencefsStore
import XCTest
@testable import SciencefsCore

final class VFSTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-vfs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func makeVFS(_ backend: InMemoryBackend, clock: Clock = SystemClock()) throws -> VFS {
        let store = try MetadataStore(directory: directory)
        let cache = try DataCache(directory: directory.appendingPathComponent("data"), capacityBytes: 64 << 20, store: store)
        return try VFS(backends: [backend], store: store, dataCache: cache,
                       stagingDirectory: directory.appendingPathComponent("staging"),
                       options: VFSOptions(initialReadahead: 64 << 10), clock: clock, logger: Logger(label: "test"))
    }

    private func ino(_ vfs: VFS, _ path: String) throws -> UInt64 {
        var ino = VFS.rootIno
        for name in path.split(separator: "/") { ino = try vfs.lookup(parent: ino, name: String(name)).ino }
        return ino
    }

    func testListingTwiceWithinTTLAsksTheServerOnce() throws {
        let backend = InMemoryBackend()
        backend.put("/d/a", Data("a".utf8))
        backend.put("/d/b", Data("bb".utf8))
        let vfs = try makeVFS(backend)
        let dir = try ino(vfs, "mem/d")
        XCTAssertEqual(try vfs.readdir(dir).map(\.name).sorted(), ["a", "b"])
        XCTAssertEqual(try vfs.readdir(dir).map(\.name).sorted(), ["a", "b"])
        XCTAssertEqual(backend.count("list /d"), 1)
        XCTAssertEqual(try vfs.lookup(parent: dir, name: "b").size, 2)
        XCTAssertThrowsError(try vfs.lookup(parent: dir, name: "missing")) { XCTAssertEqual($0 as? FSError, .notFound) }
        XCTAssertEqual(backend.count("stat /d/"), 0, "children are answered from the fresh listing")
    }

    func testExpiredListingIsFetchedAgain() throws {
        let clock = ManualClock()
        let backend = InMemoryBackend(policy: CachePolicy(attributeTTL: 5, listingTTL: 5, negativeTTL: 1))
        backend.put("/d/a", Data("a".utf8))
        let vfs = try makeVFS(backend, clock: clock)
        let dir = try ino(vfs, "mem/d")
        _ = try vfs.readdir(dir)
        clock.advance(10)
        _ = try vfs.readdir(dir)
        XCTAssertEqual(backend.count("list /d"), 2)
    }

    func testANewMountAnswersFromTheStoreWithoutAsking() throws {
        let backend = InMemoryBackend()
        backend.put("/d/a", Data("a".utf8))
        do {
            let vfs = try makeVFS(backend)
            _ = try vfs.readdir(try ino(vfs, "mem/d"))
        }
        let calls = backend.calls.count
        let again = try makeVFS(backend)
        XCTAssertEqual(try again.readdir(try ino(again, "mem/d")).map(\.name), ["a"])
        XCTAssertEqual(backend.calls.count, calls, "the remount asked nothing: \(backend.calls.suffix(2))")
    }

    func testSequentialReadsUseGrowingRangesAndTheCache() throws {
        let backend = InMemoryBackend()
        let content = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        backend.put("/f.bin", content)
        let vfs = try makeVFS(backend)
        let fh = try vfs.open(try ino(vfs, "mem/f.bin"), flags: VFS.OpenFlags(rawValue: O_RDONLY))
        var result = Data()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 32 << 10, alignment: 8)
        defer { buffer.deallocate() }
        var offset: UInt64 = 0
        while true {
            let n = try vfs.read(handle: fh, offset: offset, into: buffer)
            if n == 0 { break }
            result.append(contentsOf: buffer[0..<n])
            offset += UInt64(n)
        }
        vfs.release(handle: fh)
        XCTAssertEqual(result, content)
        let reads = backend.count("read /f.bin")
        XCTAssertLessThan(reads, 16, "32 KiB reads of 1 MiB must be served by a few growing ranges, got \(backend.calls.filter { $0.hasPrefix("read") })")
        XCTAssertEqual(backend.requestedBytes("/f.bin"), 1 << 20,
                       "readahead in flight never asks for a byte twice: \(backend.calls.filter { $0.hasPrefix("read") })")
        // A second open reads from the disk cache.
        let again = try vfs.open(try ino(vfs, "mem/f.bin"), flags: VFS.OpenFlags(rawValue: O_RDONLY))
        XCTAssertEqual(try vfs.read(handle: again, offset: 4096, into: buffer), buffer.count)
        XCTAssertEqual(backend.count("read /f.bin"), reads)
        vfs.release(handle: again)
    }

    func testACachedReadIsAnsweredAsARegionOfTheCacheFile() throws {
        let backend = InMemoryBackend()
        let content = Data((0..<(256 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        backend.put("/r.bin", content)
        let vfs = try makeVFS(backend)
        let fh = try vfs.open(try ino(vfs, "mem/r.bin"), flags: VFS.OpenFlags(rawValue: O_RDONLY))
        defer { vfs.release(handle: fh) }
        XCTAssertNil(try vfs.cachedFileRegion(handle: fh, offset: 4096, length: 8192), "nothing cached yet")
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 8)
        defer { buffer.deallocate() }
        XCTAssertEqual(try vfs.read(handle: fh, offset: 0, into: buffer), 256 << 10)
        let region = try XCTUnwrap(try vfs.cachedFileRegion(handle: fh, offset: 4096, length: 8192))
        XCTAssertEqual(region.offset, 4096)
        XCTAssertEqual(region.length, 8192)
        var bytes = [UInt8](repeating: 0, count: region.length)
        XCTAssertEqual(pread(region.descriptor, &bytes, region.length, off_t(region.offset)), region.length)
        XCTAssertEqual(Data(bytes), content.subdata(in: 4096..<(4096 + 8192)))
        let tail = try XCTUnwrap(try vfs.cachedFileRegion(handle: fh, offset: UInt64(content.count - 100), length: 4096))
        XCTAssertEqual(tail.length, 100, "clipped at the end of the file")
        XCTAssertNil(try vfs.cachedFileRegion(handle: fh, offset: UInt64(content.count), length: 4096))
    }

    func testTheUploadAttributeSaysPendingThenUploadingThenUploaded() throws {
        let backend = InMemoryBackend()
        backend.put("/d/keep", Data())
        let vfs = try makeVFS(backend)
        let dir = try ino(vfs, "mem/d")
        let created = try vfs.create(parent: dir, name: "new.txt", permissions: 0o644,
                                     flags: VFS.OpenFlags(rawValue: O_WRONLY | O_CREAT))
        let state = { String(decoding: try vfs.getxattr(created.attributes.ino, name: "user.sciencefs.upload"), as: UTF8.self) }
        _ = try Data("abc".utf8).withUnsafeBytes { try vfs.write(handle: created.handle, offset: 0, bytes: $0) }
        XCTAssertEqual(try state(), "pending")
        var seen: String?
        backend.duringUpload = { seen = try? state() }
        try vfs.flush(handle: created.handle)
        XCTAssertEqual(seen, "uploading", "while the bytes are being sent")
        XCTAssertEqual(try state(), "uploaded")
        vfs.release(handle: created.handle)
    }

    private func readAll(_ vfs: VFS, _ path: String) throws -> Data {
        let fh = try vfs.open(try ino(vfs, path), flags: VFS.OpenFlags(rawValue: O_RDONLY))
        defer { vfs.release(handle: fh) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 8)
        defer { buffer.deallocate() }
        var result = Data()
        while true {
            let n = try vfs.read(handle: fh, offset: UInt64(result.count), into: buffer)
            if n == 0 { return result }
            result.append(contentsOf: buffer[0..<n])
        }
    }

    func testAFileMatchingItsPublishedChecksumsReadsFine() throws {
        let backend = InMemoryBackend()
        let content = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        backend.put("/good.bin", content)
        let sums = ChecksumCalculator.compute(content)
        backend.publishedChecksums["/good.bin"] = [.adler32(sums.adler32), .md5(sums.md5)]
        let vfs = try makeVFS(backend)
        XCTAssertEqual(try readAll(vfs, "mem/good.bin"), content)
    }

    func testACorruptedFileFailsWithEIOUntilRefreshed() throws {
        let backend = InMemoryBackend()
        let content = Data(repeating: 7, count: 200_000)
        backend.put("/bad.bin", content)
        backend.publishedChecksums["/bad.bin"] = [.adler32("deadbeef")]
        let vfs = try makeVFS(backend)
        XCTAssertThrowsError(try readAll(vfs, "mem/bad.bin")) { error in
            guard case .corrupt(let why) = error as? FSError else { return XCTFail("expected corrupt (EIO), got \(error)") }
            XCTAssertEqual(FSError.corrupt(why).errno, EIO)
            XCTAssertTrue(why.contains("checksum mismatch"), why)
        }
        let reads = backend.count("read /bad.bin")
        XCTAssertThrowsError(try readAll(vfs, "mem/bad.bin"), "remembered: every later open fails")
        XCTAssertEqual(backend.count("read /bad.bin"), reads, "without fetching the bad bytes again")
        try vfs.refresh(try ino(vfs, "mem/bad.bin"))
        XCTAssertThrowsError(try readAll(vfs, "mem/bad.bin"), "refreshed: fetched and checked again")
        XCTAssertGreaterThan(backend.count("read /bad.bin"), reads)
    }

    func testAPartialReadOfACorruptedSmallFileFailsBeforeAnyByteIsServed() throws {
        let backend = InMemoryBackend()
        // 3 MiB: more than the first fetch (1 MiB), so only a whole-file check before serving catches it.
        var content = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let sums = ChecksumCalculator.compute(content)
        content[3_000_000] ^= 0xff // the first 200 bytes are intact
        backend.put("/bad.bin", content)
        backend.publishedChecksums["/bad.bin"] = [.adler32(sums.adler32), .md5(sums.md5)]
        let vfs = try makeVFS(backend)
        let fh = try vfs.open(try ino(vfs, "mem/bad.bin"), flags: VFS.OpenFlags(rawValue: O_RDONLY))
        defer { vfs.release(handle: fh) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 200, alignment: 8)
        defer { buffer.deallocate() }
        XCTAssertThrowsError(try vfs.read(handle: fh, offset: 0, into: buffer)) { error in
            XCTAssertEqual((error as? FSError)?.errno, EIO, "\(error)")
        }
        XCTAssertThrowsError(try vfs.open(try ino(vfs, "mem/bad.bin"), flags: VFS.OpenFlags(rawValue: O_RDONLY)),
                             "a second open fails too")
    }

    func testJobsOfEverySourceAppearAsJSONFilesUnderDotSciencefs() throws {
        let backend = InMemoryBackend()
        let store = try MetadataStore(directory: directory)
        let tracker = TransferTracker(store: store, policy: PollPolicy(firstInterval: 0.01, maxInterval: 0.01),
                                      logger: Logger(label: "test"))
        let vfs = try VFS(backends: [backend], store: store, dataCache: nil,
                          stagingDirectory: directory.appendingPathComponent("staging"), transfers: tracker,
                          logger: Logger(label: "test"))
        let jobs = try XCTUnwrap(backend.jobs, "the VFS hands the backend its door to the tracker")
        backend.tapeJobs.set("42", .active, stage: "GET_PENDING")
        jobs.track("42", files: [TrackedTransferFile(sourcePath: "mem/b", destinationPath: "mem/b", sourceURL: "tape:b",
                                                     destinationURL: "/staging/b", size: 5, adler32: nil)])
        tracker.monitorOnce { _ in }
        let dir = try ino(vfs, ".sciencefs/transfers")
        XCTAssertEqual(try vfs.readdir(dir).map(\.name), ["mem-42.json"])
        let json = try readAll(vfs, ".sciencefs/transfers/mem-42.json")
        let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        XCTAssertEqual(object?["state"] as? String, "ACTIVE")
        XCTAssertEqual((object?["fileStates"] as? [[String: Any]])?.first?["state"] as? String, "GET_PENDING")
        XCTAssertEqual(object?["source"] as? String, "mem")
        XCTAssertEqual(object?["kind"] as? String, "tape-get")
        XCTAssertEqual(vfs.status().sources, ["mem"], "the control directory is not a source")
    }

    func testOpenWithNonBlockOfDataNotYetStagedIsEAGAIN() throws {
        let backend = InMemoryBackend()
        backend.put("/tape/f", Data("x".utf8))
        backend.onTape = ["/tape/f"]
        let vfs = try makeVFS(backend)
        let file = try ino(vfs, "mem/tape/f")
        XCTAssertThrowsError(try vfs.open(file, flags: VFS.OpenFlags(rawValue: O_RDONLY | O_NONBLOCK))) {
            XCTAssertEqual($0 as? FSError, .wouldBlock)
        }
        let fh = try vfs.open(file, flags: VFS.OpenFlags(rawValue: O_RDONLY))
        vfs.release(handle: fh)
        XCTAssertEqual(backend.count("prepare /tape/f"), 2)
    }

    func testCreateWriteFlushUploadsOnce() throws {
        let backend = InMemoryBackend()
        backend.put("/d/keep", Data())
        let vfs = try makeVFS(backend)
        let dir = try ino(vfs, "mem/d")
        let created = try vfs.create(parent: dir, name: "new file ü.txt", permissions: 0o644,
                                     flags: VFS.OpenFlags(rawValue: O_WRONLY | O_CREAT))
        XCTAssertTrue(try vfs.readdir(dir).contains { $0.name == "new file ü.txt" }, "visible while being written")
        let bytes = Data("hello".utf8)
        _ = try bytes.withUnsafeBytes { try vfs.write(handle: created.handle, offset: 0, bytes: $0) }
        try vfs.flush(handle: created.handle)
        try vfs.flush(handle: created.handle)
        vfs.release(handle: created.handle)
        XCTAssertEqual(backend.data("/d/new file ü.txt"), bytes)
        XCTAssertEqual(backend.count("upload"), 1)
        XCTAssertEqual(try vfs.getattr(created.attributes.ino).size, 5)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("staging").path), [])
    }

    func testRejectedUploadFailsCloseAndKeepsTheBytes() throws {
        let backend = InMemoryBackend()
        backend.put("/d/keep", Data())
        backend.uploadError = .permissionDenied
        let vfs = try makeVFS(backend)
        let created = try vfs.create(parent: try ino(vfs, "mem/d"), name: "x", permissions: 0o644,
                                     flags: VFS.OpenFlags(rawValue: O_WRONLY | O_CREAT))
        _ = try Data("precious".utf8).withUnsafeBytes { try vfs.write(handle: created.handle, offset: 0, bytes: $0) }
        XCTAssertThrowsError(try vfs.flush(handle: created.handle)) { XCTAssertEqual($0 as? FSError, .permissionDenied) }
        vfs.release(handle: created.handle)
        XCTAssertEqual(backend.count("upload"), 1, "a refused upload is not sent again at release")
        let store = try MetadataStore(directory: directory)
        let failed = try store.uploads(in: [.failed])
        XCTAssertEqual(failed.count, 1)
        XCTAssertEqual(failed.first?.path, "/d/x")
        XCTAssertEqual(try String(contentsOfFile: failed[0].stagingFile, encoding: .utf8), "precious")
    }

    func testRmdirRefusesANonEmptyDirectory() throws {
        let backend = InMemoryBackend()
        backend.put("/d/sub/f", Data("x".utf8))
        let vfs = try makeVFS(backend)
        let dir = try ino(vfs, "mem/d")
        XCTAssertThrowsError(try vfs.rmdir(parent: dir, name: "sub")) { XCTAssertEqual($0 as? FSError, .notEmpty) }
        XCTAssertNotNil(backend.data("/d/sub/f"))
    }

    func testRenameAcrossSourcesIsCrossDevice() throws {
        let a = InMemoryBackend(name: "a")
        let b = InMemoryBackend(name: "b")
        a.put("/f", Data("x".utf8))
        let store = try MetadataStore(directory: directory)
        let vfs = try VFS(backends: [a, b], store: store, dataCache: nil, stagingDirectory: directory.appendingPathComponent("s"),
                          logger: Logger(label: "test"))
        let aRoot = try vfs.lookup(parent: VFS.rootIno, name: "a").ino
        let bRoot = try vfs.lookup(parent: VFS.rootIno, name: "b").ino
        XCTAssertThrowsError(try vfs.rename(parent: aRoot, name: "f", newParent: bRoot, newName: "f")) {
            XCTAssertEqual($0 as? FSError, .crossDevice)
        }
    }
}

final class ManualClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date()
    func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }
    func advance(_ seconds: TimeInterval) {
        lock.lock()
        current += seconds
        lock.unlock()
    }
}

/// A service that sends names no file system can show.
private final class HostileNamesBackend: Backend, @unchecked Sendable {
    let name = "hostile"
    let cachePolicy = CachePolicy()
    static let names = ["ok.txt", "..", ".", "", "a/b", "../../etc", "nul\u{0}byte", String(repeating: "x", count: 4096), "é ok"]

    func stat(_ path: RemotePath) throws -> RemoteAttributes {
        path.isRoot ? .directory(mtime: Date(), permissions: 0o755) : RemoteAttributes(kind: .file, size: 1, mtime: Date(), permissions: 0o644)
    }
    func list(_ path: RemotePath) throws -> [RemoteEntry] {
        Self.names.map { RemoteEntry(name: $0, attributes: RemoteAttributes(kind: .file, size: 1, mtime: Date(), permissions: 0o644)) }
    }
    func read(_ path: RemotePath, offset: UInt64, length: UInt64, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 { 0 }
    func upload(from localFile: URL, to path: RemotePath) throws -> RemoteAttributes { throw FSError.readOnly }
    func makeDirectory(_ path: RemotePath) throws -> RemoteAttributes { throw FSError.readOnly }
    func delete(_ path: RemotePath, kind: NodeKind) throws { throw FSError.readOnly }
    func rename(_ from: RemotePath, to: RemotePath) throws { throw FSError.readOnly }
}

final class HostileNameTests: XCTestCase {
    func testNamesThatCannotBeFileNamesAreSkipped() throws {
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        let vfs = try VFS(backends: [HostileNamesBackend()], store: nil, dataCache: nil, stagingDirectory: staging,
                          logger: Logger(label: "test"))
        let source = try vfs.lookup(parent: VFS.rootIno, name: "hostile")
        let names = try vfs.readdir(source.ino).map(\.name)
        XCTAssertEqual(names, ["ok.txt", "é ok"])
        XCTAssertThrowsError(try vfs.lookup(parent: source.ino, name: ".."))
        XCTAssertThrowsError(try vfs.lookup(parent: source.ino, name: "a/b"))
    }
}

private extension VFS {
    /// The cache-file region `readyBytes` answers with; nil when it answers otherwise or not at all.
    func cachedFileRegion(handle: UInt64, offset: UInt64, length: Int) throws -> CachedRegion? {
        guard case .file(let region)? = try readyBytes(handle: handle, offset: offset, length: length) else { return nil }
        return region
    }
}
