import Foundation
import XCTest
@testable import SciencefsCore

/// The bytes of a streamed upload: taken from the writer's own buffer while its write runs, read back from the staged
/// file when the upload is behind, never held anywhere else. A real staging file on disk; the test is the upload
/// (the backend's reader), fast or slow.
final class UploadStreamTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("upload-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func stagedFile() throws -> (StagedFile, StreamingUpload) {
        let url = directory.appendingPathComponent("staged.bin")
        let fd = open(url.path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw FSError.fromErrno(errno) }
        let staged = StagedFile(key: NodeKey(source: "agave", path: RemotePath(string: "/inbox/run.bin")), url: url,
                                fd: fd, journalID: nil, size: 0, mtime: Date(), dirty: false, permissions: 0o644)
        staged.openCount = 1
        let streaming = StreamingUpload(staged: staged)
        staged.streaming = streaming
        return (staged, streaming)
    }

    /// A thread that appends `bytes` to `staged` in `writeSize` writes, as `cp` does through FUSE, then calls `done`.
    private func startWriter(_ staged: StagedFile, _ bytes: Data, writeSize: Int, done: @escaping @Sendable () -> Void) {
        Thread {
            bytes.withUnsafeBytes { all in
                for start in stride(from: 0, to: all.count, by: writeSize) {
                    let piece = UnsafeRawBufferPointer(rebasing: all[start..<min(start + writeSize, all.count)])
                    _ = try? staged.write(piece, at: UInt64(start), now: Date())
                }
            }
            done()
        }.start()
    }

    /// Reads the stream to its end in `chunk`-byte reads, pausing after each (a slow server) if asked.
    private func drain(_ stream: UploadStream, chunk: Int, pause: (() -> Void)? = nil) throws -> Data {
        var received = Data()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let n = try stream.read(into: buffer)
            if n == 0 { return received }
            received.append(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n)
            pause?()
        }
    }

    func testAReaderCaughtUpWithTheWriterCopiesFromTheWritersBufferBeforeTheFileHasIt() throws {
        let (staged, streaming) = try stagedFile()
        defer { staged.close() }
        let bytes = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { buffer.deallocate() }

        try bytes.withUnsafeBytes { lent in
            let loan = try XCTUnwrap(streaming.source.lend(lent, at: 0))
            // Nothing is in the staged file yet: the reader gets the lent bytes.
            XCTAssertEqual(staged.attributes().size, 0)
            let n = try streaming.source.read(into: buffer)
            XCTAssertEqual(n, bytes.count)
            XCTAssertEqual(Data(buffer[0..<n]), bytes)
            streaming.source.takeBack(loan)
        }
        let sources = streaming.source.sources
        XCTAssertEqual(sources.memory, UInt64(bytes.count))
        XCTAssertEqual(sources.file, 0)
    }

    func testAWriterFasterThanASlowServerIsNotHeldAndTheServerGetsEveryByteInOrder() throws {
        let (staged, streaming) = try stagedFile()
        defer { staged.close() }
        let writeSize = 1 << 20
        let writes = 24
        let expected = PseudoRandom.bytes(writeSize * writes, seed: 5)
        let writerDone = DispatchSemaphore(value: 0)
        startWriter(staged, expected, writeSize: writeSize) { writerDone.signal() }

        // The server takes 64 KiB at a time and stalls once after the first read until the writer has finished:
        // the writer must not wait for it.
        var received = Data()
        let first = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 1)
        defer { first.deallocate() }
        let n = try streaming.source.read(into: first)
        received.append(first.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n)
        XCTAssertEqual(writerDone.wait(timeout: .now() + 120), .success, "the writer finished while the server stalled")
        XCTAssertTrue(streaming.source.seal(size: UInt64(expected.count)))
        received.append(try drain(streaming.source, chunk: 64 << 10))

        XCTAssertEqual(received, expected, "every byte, in order")
        let sources = streaming.source.sources
        XCTAssertEqual(sources.memory + sources.file, UInt64(expected.count))
        XCTAssertLessThanOrEqual(sources.mostLent, writeSize, "memory: never more than the write in progress")
    }

    func testAWriterAndAServerAtTheSamePaceShareTheBytesWithoutACopyInBetween() throws {
        let (staged, streaming) = try stagedFile()
        defer { staged.close() }
        let writeSize = 256 << 10
        let writes = 64
        let expected = PseudoRandom.bytes(writeSize * writes, seed: 9)
        startWriter(staged, expected, writeSize: writeSize) { _ = streaming.source.seal(size: UInt64(expected.count)) }
        // A server that takes 1 MiB and pauses briefly each time: sometimes behind the writer, sometimes waiting.
        let received = try drain(streaming.source, chunk: 1 << 20, pause: { usleep(200) })

        XCTAssertEqual(received, expected)
        let sources = streaming.source.sources
        XCTAssertEqual(sources.memory + sources.file, UInt64(expected.count))
        XCTAssertLessThanOrEqual(sources.mostLent, writeSize)
    }

    func testAFailedStagingWriteAbandonsTheStreamSoThePartSentNeverLands() throws {
        let (staged, streaming) = try stagedFile()
        let bytes = Data(repeating: 0x5A, count: 4096)
        _ = try bytes.withUnsafeBytes { try staged.write($0, at: 0, now: Date()) }
        staged.close() // the descriptor is gone: the next write fails
        XCTAssertThrowsError(try bytes.withUnsafeBytes { try staged.write($0, at: 4096, now: Date()) })

        XCTAssertTrue(streaming.source.isAbandoned, "a lent buffer whose write failed may have gone out")
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 8192, alignment: 1)
        defer { buffer.deallocate() }
        XCTAssertThrowsError(try streaming.source.read(into: buffer))
    }
}

/// Reproducible bytes that no cache or compressor flatters.
private enum PseudoRandom {
    static func bytes(_ count: Int, seed: UInt64) -> Data {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes[i] = UInt8(truncatingIfNeeded: state)
        }
        return Data(bytes)
    }
}
