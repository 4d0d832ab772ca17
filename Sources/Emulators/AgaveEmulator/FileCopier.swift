import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Server-side copies inside the state directory (manage `copy`, `agave://` imports) and the raw file writes
/// uploads need. Files are copied in chunks, never loaded whole.
enum FileCopier {
    static let chunkSize = 1 << 20

    /// Copies a file or a directory tree. A file overwrites (or, with `append`, extends) an existing file;
    /// a directory is merged into an existing directory.
    static func copy(from source: String, to destination: String, append: Bool = false) throws {
        guard let stat = FileStat(path: source) else { throw AgaveError.notFound("Source file/folder does not exist") }
        if stat.isDirectory {
            try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: source) {
                try copy(from: source + "/" + name, to: destination + "/" + name)
            }
        } else {
            try copyFile(from: source, to: destination, append: append)
        }
    }

    private static func copyFile(from source: String, to destination: String, append: Bool) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw AgaveError(500, "Cannot read source: errno \(errno)") }
        defer { close(input) }
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        let output = open(destination, flags, 0o644)
        guard output >= 0 else { throw AgaveError(500, "Cannot write destination: errno \(errno)") }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, chunkSize) }
            if got < 0 { throw AgaveError(500, "Read failed: errno \(errno)") }
            if got == 0 { break }
            try buffer.withUnsafeBytes { try writeAll(fd: output, UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
        }
    }

    /// Writes every byte, retrying short writes.
    static func writeAll(fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw AgaveError(500, "Write failed: errno \(errno)")
            }
            offset += written
        }
    }
}
