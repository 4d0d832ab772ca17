import Foundation

/// Reproducible pseudo-random bytes (xorshift64*), so tests and the demo can recreate any seeded file's
/// content from its seed instead of storing it.
public enum DeterministicData {
    /// The first `count` bytes of the stream for `seed`.
    public static func bytes(count: Int, seed: UInt64) -> [UInt8] {
        var generator = Generator(seed: seed)
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { generator.fill($0) }
        return out
    }

    /// Writes a file of exactly `size` bytes of the stream for `seed`, in 1 MiB chunks (constant memory).
    /// Parent directories are created.
    public static func writeFile(at url: URL, size: Int, seed: UInt64) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var generator = Generator(seed: seed)
        let chunkSize = 1 << 20
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var remaining = size
        while remaining > 0 {
            let n = min(remaining, chunkSize)
            chunk.withUnsafeMutableBytes { generator.fill(UnsafeMutableRawBufferPointer(rebasing: $0[0..<n])) }
            try handle.write(contentsOf: chunk[0..<n])
            remaining -= n
        }
    }

    /// xorshift64*; the state must never be zero, so the seed is mixed first.
    struct Generator {
        private var state: UInt64

        init(seed: UInt64) {
            state = (seed &+ 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9
            if state == 0 { state = 0x2545_F491_4F6C_DD1D }
        }

        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }

        /// Fills the buffer 8 bytes at a time (little-endian words), the tail byte by byte, so the stream is the
        /// same whatever chunk sizes the caller uses as long as chunks are multiples of 8.
        mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
            let words = buffer.count / 8
            for i in 0..<words {
                buffer.storeBytes(of: next().littleEndian, toByteOffset: i * 8, as: UInt64.self)
            }
            let tailStart = words * 8
            if tailStart < buffer.count {
                var word = next().littleEndian
                withUnsafeBytes(of: &word) { bytes in
                    for k in tailStart..<buffer.count { buffer[k] = bytes[k - tailStart] }
                }
            }
        }
    }
}
