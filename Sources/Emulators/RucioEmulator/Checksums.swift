import EmulatorSupport
import Foundation

/// The two checksums Rucio records for a file, computed incrementally so large files never sit in memory.
/// `adler32` is 8 lowercase hex digits, zero-padded; `md5` is 32 lowercase hex digits.
struct FileChecksums: Sendable, Equatable {
    var bytes: Int64
    var adler32: String
    var md5: String

    static func of(_ data: Data) -> FileChecksums {
        var accumulator = Accumulator()
        accumulator.update(data)
        return accumulator.finish()
    }

    /// Reads the file in 1 MiB chunks.
    static func of(fileAt url: URL) throws -> FileChecksums {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var accumulator = Accumulator()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            accumulator.update(chunk)
        }
        return accumulator.finish()
    }

    struct Accumulator {
        private var adler = Adler32()
        private var md5 = MD5()
        private var count: Int64 = 0

        mutating func update(_ data: Data) {
            data.withUnsafeBytes { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                adler.update(bytes)
                md5.update(bytes)
            }
            count += Int64(data.count)
        }

        mutating func finish() -> FileChecksums {
            FileChecksums(bytes: count, adler32: adler.hex, md5: md5.finish().map { String(format: "%02x", $0) }.joined())
        }
    }
}

/// MD5 (RFC 1321). Only used to fill Rucio's `md5` field and the lfn2pfn hash; not for security.
struct MD5 {
    private var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476)
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    private static let shifts: [UInt32] = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                           5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                                           4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                           6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]
    /// floor(abs(sin(i + 1)) * 2^32).
    private static let constants: [UInt32] = (0..<64).map { UInt32(truncatingIfNeeded: Int64(abs(sin(Double($0 + 1))) * 4_294_967_296.0)) }

    static func hex(_ text: String) -> String {
        var md5 = MD5()
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { md5.update($0) }
        return md5.finish().map { String(format: "%02x", $0) }.joined()
    }

    mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        length &+= UInt64(bytes.count)
        var index = 0
        if !buffer.isEmpty {
            let take = min(64 - buffer.count, bytes.count)
            buffer.append(contentsOf: bytes[0..<take])
            index = take
            if buffer.count == 64 {
                let block = buffer
                block.withUnsafeBufferPointer { process(block: $0, offset: 0) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        while index + 64 <= bytes.count {
            process(block: bytes, offset: index)
            index += 64
        }
        if index < bytes.count { buffer.append(contentsOf: bytes[index...]) }
    }

    mutating func finish() -> [UInt8] {
        let bitLength = length &* 8
        var tail = buffer
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for i in 0..<8 { tail.append(UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i)))) }
        tail.withUnsafeBufferPointer { pointer in
            var offset = 0
            while offset < pointer.count {
                process(block: pointer, offset: offset)
                offset += 64
            }
        }
        buffer.removeAll()
        var out: [UInt8] = []
        for word in [state.0, state.1, state.2, state.3] {
            for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: word >> (8 * UInt32(i)))) }
        }
        return out
    }

    private mutating func process(block: UnsafeBufferPointer<UInt8>, offset: Int) {
        // Read message words straight from the block (no per-block allocation; this runs for every 64 bytes).
        func word(_ i: Int) -> UInt32 {
            let base = offset + i * 4
            return UInt32(block[base]) | UInt32(block[base + 1]) << 8 | UInt32(block[base + 2]) << 16
                | UInt32(block[base + 3]) << 24
        }
        var (a, b, c, d) = state
        for i in 0..<64 {
            var f: UInt32
            let g: Int
            switch i {
            case 0..<16: f = (b & c) | (~b & d); g = i
            case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
            case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
            default: f = c ^ (b | ~d); g = (7 * i) % 16
            }
            f = f &+ a &+ MD5.constants[i] &+ word(g)
            a = d
            d = c
            c = b
            b = b &+ ((f << MD5.shifts[i]) | (f >> (32 - MD5.shifts[i])))
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }
}
