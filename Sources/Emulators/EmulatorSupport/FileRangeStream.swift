import Foundation
import Hummingbird
#if canImport(Glibc)
import Glibc
#endif

/// Streams a byte range of a file on disk into a response body in fixed-size chunks, never holding more than one
/// chunk in memory: what every emulator's download endpoint sends.
package enum FileRangeStream {
    package static let chunkSize = 256 * 1024

    package enum StreamError: Error, CustomStringConvertible {
        case cannotOpen(String, Int32)
        case fileChanged(String)

        package var description: String {
            switch self {
            case .cannotOpen(let file, let code): return "Cannot open \(file): errno \(code)"
            case .fileChanged(let file): return "\(file) changed during download"
            }
        }
    }

    /// Reads `count` bytes from `offset` with `pread` and writes them chunk by chunk. Throws (closing the
    /// connection) if the file shrank underneath.
    package static func write(file: String, from offset: UInt64, count: UInt64,
                              to writer: inout any ResponseBodyWriter) async throws {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StreamError.cannotOpen(file, errno) }
        defer { close(fd) }
        var position = offset
        var remaining = count
        let allocator = ByteBufferAllocator()
        while remaining > 0 {
            let want = Int(min(remaining, UInt64(chunkSize)))
            var buffer = allocator.buffer(capacity: want)
            let got = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { raw in
                max(0, pread(fd, raw.baseAddress, want, off_t(position)))
            }
            guard got > 0 else { throw StreamError.fileChanged(file) }
            try await writer.write(buffer)
            position += UInt64(got)
            remaining -= UInt64(got)
        }
    }

    /// A response body of `count` bytes of `file` from `offset`.
    package static func body(file: String, from offset: UInt64, count: UInt64) -> ResponseBody {
        ResponseBody(contentLength: Int(count)) { writer in
            try await write(file: file, from: offset, count: count, to: &writer)
            try await writer.finish(nil)
        }
    }
}
