import AgaveEmulator
import Foundation
import XCTest

/// A file written in order into Agave is uploaded while it is written: one multipart POST whose body goes out with
/// chunked transfer encoding as the writer's bytes arrive, so `close()` waits only for the server's confirmation.
/// A writer that seeks back falls back to the upload at close; a kill -9 mid-stream loses nothing that was written;
/// a server that refuses the upload halfway makes `cp` fail and the bytes are kept.
final class StreamingUploadTests: XCTestCase {
    private var fixture: MountFixture!
    private let uploadPrefix = "/files/v2/media/system/\(MountFixture.system)/inbox"

    override func setUpWithError() throws {
        fixture = try MountFixture()
        try FileManager.default.createDirectory(at: fixture.serverFile("inbox"), withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 5000 chars) ---\n\(fixture.log.suffix(5000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    private var uploads: [RequestLog.Entry] {
        fixture.emulator.requestLog.entries(method: "POST", pathPrefix: uploadPrefix)
    }

    func testCpOfALargeFileStreamsOneUploadWithTheSameBytes() throws {
        let local = fixture.root.appendingPathComponent("run-output.bin")
        let bytes = PseudoRandomBytes.make((6 << 20) + 12_345, seed: 71)
        try bytes.write(to: local)
        try fixture.mount()

        let cp = fixture.run("cp", [local.path, fixture.path("inbox/")])

        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertEqual(try Data(contentsOf: fixture.serverFile("inbox/run-output.bin")), bytes,
                       "when cp returned, the server had every byte")
        XCTAssertEqual(uploads.count, 1, "one upload: \(uploads)")
        XCTAssertEqual(uploads.first?.requestBodyChunked, true, "sent as it was written (chunked): \(uploads)")
        XCTAssertEqual(uploads.first?.status, 202)
        XCTAssertEqual(fixture.run("cmp", [local.path, fixture.path("inbox/run-output.bin")]).status, 0,
                       "and the mount reads the same bytes back")
    }

    func testDdInMiBBlocksStreamsToo() throws {
        try fixture.mount()
        let dd = fixture.run("dd", ["if=/dev/zero", "of=\(fixture.path("inbox/zeros.bin"))", "bs=1M", "count=16"])

        XCTAssertEqual(dd.status, 0, dd.stderr)
        XCTAssertEqual(try Data(contentsOf: fixture.serverFile("inbox/zeros.bin")), Data(count: 16 << 20))
        // dd opens the file as descriptor 3, moves it to 1 and closes 3: that close uploads the still empty file, as
        // every close does. Its bytes then go in one streamed upload.
        XCTAssertEqual(uploads.filter(\.requestBodyChunked).count, 1, "\(uploads)")
        XCTAssertEqual(uploads.last?.requestBodyChunked, true, "\(uploads)")
    }

    func testAWriterThatSeeksBackFallsBackToTheUploadAtClose() throws {
        try fixture.mount()
        let target = fixture.path("inbox/patched.bin")
        // Writes 3 MiB in order, goes back to patch 1000 bytes at 512 KiB, then appends 1 MiB more.
        let script = """
            import os, sys
            def block(n, seed):
                return bytes((i * 31 + seed) % 251 for i in range(n))
            fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.write(fd, block(3 << 20, 1))
            os.lseek(fd, 512 << 10, os.SEEK_SET)
            os.write(fd, b"P" * 1000)
            os.lseek(fd, 0, os.SEEK_END)
            os.write(fd, block(1 << 20, 2))
            os.close(fd)
            """
        let python = fixture.run("python3", ["-c", script, target])
        XCTAssertEqual(python.status, 0, python.stderr)

        var expected = Data(Self.block(3 << 20, seed: 1))
        let patch = (512 << 10)..<((512 << 10) + 1000)
        expected.replaceSubrange(patch, with: Data(repeating: UInt8(ascii: "P"), count: patch.count))
        expected.append(contentsOf: Self.block(1 << 20, seed: 2))
        XCTAssertEqual(try Data(contentsOf: fixture.serverFile("inbox/patched.bin")), expected,
                       "the server has the file as written, patch included")
        XCTAssertEqual(uploads.last?.requestBodyChunked, false, "the file was uploaded whole at close: \(uploads)")
        XCTAssertEqual(uploads.last?.status, 202)
        XCTAssertEqual(uploads.filter { $0.status == 202 }.count, 1, "only the upload at close landed: \(uploads)")
        XCTAssertTrue(fixture.log.contains("streamed upload abandoned"), "the fallback is logged")
    }

    func testASecondWriterStopsTheStreamAndTheLastCloseUploadsEveryByte() throws {
        try fixture.mount()
        let target = fixture.path("inbox/shared.log")
        // One descriptor writes 2 MiB in order; a second one opens the file for writing (no truncation), appends a
        // line and closes; the first writes 1 MiB more and closes.
        let script = """
            import os, sys
            first = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.write(first, b"a" * (2 << 20))
            second = os.open(sys.argv[1], os.O_WRONLY)
            os.lseek(second, 0, os.SEEK_END)
            os.write(second, b"second writer\\n")
            os.close(second)
            os.lseek(first, 0, os.SEEK_END)
            os.write(first, b"b" * (1 << 20))
            os.close(first)
            """
        let python = fixture.run("python3", ["-c", script, target])
        XCTAssertEqual(python.status, 0, python.stderr)

        var expected = Data(repeating: UInt8(ascii: "a"), count: 2 << 20)
        expected.append(Data("second writer\n".utf8))
        expected.append(Data(repeating: UInt8(ascii: "b"), count: 1 << 20))
        XCTAssertEqual(try Data(contentsOf: fixture.serverFile("inbox/shared.log")), expected,
                       "the server has every byte of both writers")
        XCTAssertEqual(uploads.last?.requestBodyChunked, false, "the last close uploaded the file whole: \(uploads)")
        XCTAssertTrue(fixture.log.contains("a second writer opened the file"), "the fallback says why")
    }

    func testKill9DuringAStreamingUploadLosesNoWrittenByte() throws {
        let size = 8 << 20
        let local = fixture.root.appendingPathComponent("simulation.h5")
        let bytes = PseudoRandomBytes.make(size, seed: 93)
        try bytes.write(to: local)
        // The server takes the first MiB of the upload, then stops reading: the stream is in flight, the writer done.
        fixture.emulator.faults.add(.init(method: "POST", path: .prefix(uploadPrefix),
                                          action: .stallRequestBody(afterBytes: 1 << 20), count: 1))
        try fixture.mount()
        let cp = Process()
        cp.executableURL = URL(fileURLWithPath: "/bin/cp")
        cp.arguments = [local.path, fixture.path("inbox/")]
        try cp.run()

        let staging = fixture.cacheRoot
        XCTAssertTrue(waitUntil(seconds: 60) { Self.files(under: staging, ofSize: size) > 0 },
                      "every byte cp wrote is staged")
        let incoming = fixture.emulator.stateDirectory.appendingPathComponent(".incoming")
        XCTAssertTrue(waitUntil(seconds: 30) { Self.largestFile(under: incoming) > 0 },
                      "the server has received part of the upload")
        XCTAssertTrue(cp.isRunning, "cp waits in close() for the upload")

        let daemon = try XCTUnwrap(fixture.process)
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        fixture.run("fusermount3", ["-uz", fixture.mountpoint.path])
        fixture.unmount()
        cp.waitUntilExit()
        XCTAssertNotEqual(cp.terminationStatus, 0, "cp saw its close fail with the mount")
        fixture.emulator.faults.removeAll() // the stalled request ends; the server drops its part
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.serverFile("inbox/simulation.h5").path),
                       "no partial file on the server")

        try fixture.mount()
        XCTAssertTrue(waitUntil(seconds: 60) {
            (try? Data(contentsOf: fixture.serverFile("inbox/simulation.h5"))) == bytes
        }, "the journaled bytes were uploaded after the remount, whole")
        let sciencefs = MountFixture.binary.path
        XCTAssertTrue(waitUntil(seconds: 30) {
            fixture.run(sciencefs, ["uploads", "--config", fixture.configURL.path, fixture.mountpoint.path]).text
                .contains("no kept uploads")
        }, "and the journal let go of them once the server confirmed")
    }

    func testAMountStoppedWhileAWriterHoldsTheFileOpenExitsAndUploadsWhatWasWrittenAtTheNextMount() throws {
        try fixture.mount()
        let target = fixture.path("inbox/running-log.txt")
        let written = PseudoRandomBytes.make(3 << 20, seed: 41)
        let source = fixture.root.appendingPathComponent("log-part")
        try written.write(to: source)
        // A writer that appends 3 MiB, then keeps the file open (a running job's log): the stream waits for more.
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        writer.arguments = ["-c", """
            import sys, time
            with open(sys.argv[2], "wb", buffering=0) as out:
                out.write(open(sys.argv[1], "rb").read())
                time.sleep(600)
            """, source.path, target]
        try writer.run()
        defer { if writer.isRunning { writer.terminate() } }
        let incoming = fixture.emulator.stateDirectory.appendingPathComponent(".incoming")
        XCTAssertTrue(waitUntil(seconds: 60) { Self.largestFile(under: incoming) > 0 },
                      "the upload streams while the writer holds the file open")

        let daemon = try XCTUnwrap(fixture.process)
        kill(daemon.processIdentifier, SIGTERM)
        XCTAssertTrue(waitUntil(seconds: 120) { !daemon.isRunning },
                      "the daemon stops without waiting for bytes the open writer can no longer send")
        writer.terminate()
        writer.waitUntilExit()
        fixture.run("fusermount3", ["-uz", fixture.mountpoint.path])
        fixture.unmount()
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.serverFile("inbox/running-log.txt").path),
                       "the abandoned stream left nothing on the server")

        try fixture.mount()
        XCTAssertTrue(waitUntil(seconds: 60) {
            (try? Data(contentsOf: fixture.serverFile("inbox/running-log.txt"))) == written
        }, "the journaled bytes went out whole at the next mount")
    }

    func testAServerThatRefusesTheUploadHalfwayFailsCpAndKeepsTheBytes() throws {
        let local = fixture.root.appendingPathComponent("spectra.dat")
        let bytes = PseudoRandomBytes.make(4 << 20, seed: 17)
        try bytes.write(to: local)
        fixture.emulator.faults.add(.init(method: "POST", path: .prefix(uploadPrefix),
                                          action: .refuseRequestBody(afterBytes: 1 << 20), count: nil))
        try fixture.mount()

        let cp = fixture.run("cp", [local.path, fixture.path("inbox/")], timeout: 90)

        XCTAssertNotEqual(cp.status, 0, "cp reports the refused upload")
        XCTAssertTrue(cp.stderr.contains("Input/output error"), cp.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.serverFile("inbox/spectra.dat").path))
        XCTAssertEqual(uploads.first?.requestBodyChunked, true, "the stream was tried first: \(uploads)")
        XCTAssertTrue(uploads.dropFirst().contains { !$0.requestBodyChunked }, "then the upload at close: \(uploads)")

        let sciencefs = MountFixture.binary.path
        let list = fixture.run(sciencefs, ["uploads", "--config", fixture.configURL.path, fixture.mountpoint.path])
        XCTAssertEqual(list.status, 0, list.stderr)
        let line = try XCTUnwrap(list.lines.first { $0.hasSuffix(fixture.path("inbox/spectra.dat")) }, list.text)
        XCTAssertTrue(line.contains("failed") && line.contains(" \(4 << 20) "), "kept, with its size: \(line)")

        fixture.emulator.faults.removeAll()
        let id = try XCTUnwrap(line.split(separator: " ").first.map(String.init))
        let retry = fixture.run(sciencefs, ["uploads", "retry", "--config", fixture.configURL.path, id])
        XCTAssertEqual(retry.status, 0, retry.stderr)
        XCTAssertEqual(try Data(contentsOf: fixture.serverFile("inbox/spectra.dat")), bytes,
                       "the kept bytes reached the server once it took them")
    }

    // MARK: Helpers

    /// The bytes the python writer above produces for one block.
    private static func block(_ count: Int, seed: Int) -> [UInt8] {
        (0..<count).map { UInt8((($0 * 31) + seed) % 251) }
    }

    private static func regularFiles(under root: URL) -> [URL] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.fileSizeKey]) else {
            return []
        }
        return walker.compactMap { $0 as? URL }
    }

    private static func size(of url: URL) -> Int {
        (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
    }

    private static func files(under root: URL, ofSize size: Int) -> Int {
        regularFiles(under: root).filter { Self.size(of: $0) == size }.count
    }

    private static func largestFile(under root: URL) -> Int {
        regularFiles(under: root).map(size(of:)).max() ?? 0
    }
}
