import Foundation

/// A whole-file checksum as services publish it: lowercase hex.
public enum Checksum: Sendable, Equatable, CustomStringConvertible {
    /// Adler-32, 8 hex digits (leading zeros may be missing on the wire; comparison ignores them).
    case adler32(String)
    case md5(String)

    /// Adler-32 in its one text form: 8 lowercase hex digits, zero-padded (services drop leading zeros, Rucio
    /// pads them; comparisons and FTS3 submissions use this form). nil when `hex` is not an Adler-32 at all.
    public static func canonicalAdler32(_ hex: String) -> String? {
        let lower = hex.lowercased()
        guard !lower.isEmpty, lower.count <= 8, lower.allSatisfy(\.isHexDigit) else { return nil }
        return String(repeating: "0", count: 8 - lower.count) + lower
    }

    /// True when `a` and `b` are the same Adler-32, whatever zeros either dropped.
    public static func sameAdler32(_ a: String, _ b: String) -> Bool {
        guard let a = canonicalAdler32(a), let b = canonicalAdler32(b) else { return false }
        return a == b
    }

    public var description: String {
        switch self {
        case .adler32(let v): return "adler32:\(v)"
        case .md5(let v): return "md5:\(v)"
        }
    }
}

/// Computes Adler-32 and MD5 over a file in one pass, in chunks (never the whole file in memory).
public enum ChecksumCalculator {
    public struct Result: Sendable, Equatable {
        public var adler32: String
        public var md5: String
    }

    public static func compute(fileDescriptor fd: Int32, length: UInt64) throws -> Result {
        var adler = Adler32()
        var md5 = MD5()
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var offset: UInt64 = 0
        while offset < length {
            let want = Int(min(UInt64(chunk), length - offset))
            let n = pread(fd, buffer.baseAddress, want, off_t(offset))
            if n < 0 {
                if errno == EINTR { continue }
                throw FSError.fromErrno(errno)
            }
            if n == 0 { throw FSError.io("file shorter than expected while checksumming") }
            let slice = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            adler.update(slice)
            md5.update(slice)
            offset += UInt64(n)
        }
        return Result(adler32: adler.hex, md5: md5.finalizeHex())
    }

    public static func compute(_ data: Data) -> Result {
        var adler = Adler32()
        var md5 = MD5()
        data.withUnsafeBytes { adler.update($0); md5.update($0) }
        return Result(adler32: adler.hex, md5: md5.finalizeHex())
    }

    /// The first mismatching checksum, or nil when every expected one matches.
    public static func mismatch(expected: [Checksum], actual: Result) -> (expected: Checksum, actual: String)? {
        for checksum in expected {
            switch checksum {
            case .adler32(let want):
                if !Checksum.sameAdler32(want, actual.adler32) { return (checksum, actual.adler32) }
            case .md5(let want):
                if want.lowercased() != actual.md5 { return (checksum, actual.md5) }
            }
        }
        return nil
    }
}

/// Adler-32 (RFC 1950), with the modulo deferred over runs of 5552 bytes as zlib does.
public struct Adler32: Sendable {
    private var a: UInt32 = 1
    private var b: UInt32 = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        let base: UInt32 = 65521
        var index = 0
        let count = bytes.count
        while index < count {
            let end = min(index + 5552, count)
            var a = self.a
            var b = self.b
            while index < end {
                a &+= UInt32(bytes[index])
                b &+= a
                index += 1
            }
            self.a = a % base
            self.b = b % base
        }
    }

    public var value: UInt32 { (b << 16) | a }
    /// 8 lowercase hex digits, zero-padded (Rucio's format).
    public var hex: String {
        let raw = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 8 - raw.count)) + raw
    }
}
