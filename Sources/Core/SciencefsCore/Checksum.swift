import Foundation

/// A whole-file checksum as services publish it: lowercase hex. Rucio publishes Adler-32 and MD5, JDMA SHA-256 (or
/// whichever its batch recorded); the Core verifies all three the same way (`ChecksumAccumulator`).
public enum Checksum: Sendable, Equatable, CustomStringConvertible {
    /// Adler-32, 8 hex digits (leading zeros may be missing on the wire; comparison ignores them).
    case adler32(String)
    case md5(String)
    case sha256(String)

    /// A digest a service published under the algorithm name it uses (`ADLER32`, `md5`, `SHA-256`...); nil for an
    /// algorithm the Core does not know or an empty/"0" digest (services write "0" for "not computed").
    public init?(algorithm: String, hex: String) {
        let hex = hex.lowercased()
        guard !hex.isEmpty, hex != "0", hex.allSatisfy(\.isHexDigit) else { return nil }
        switch algorithm.lowercased().filter({ $0.isLetter || $0.isNumber }) {
        case "adler32": self = .adler32(hex)
        case "md5": self = .md5(hex)
        case "sha256": self = .sha256(hex)
        default: return nil
        }
    }

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
        case .sha256(let v): return "sha256:\(v)"
        }
    }

    var needsSHA256: Bool {
        if case .sha256 = self { return true }
        return false
    }
}

/// Checksums a stream of chunks in one pass: Adler-32 and MD5 always (Rucio publishes both, and they are cheap next
/// to the network), SHA-256 only when an expected checksum asks for it. The one place digests of file bytes are
/// computed: whole-file verification while fetching, verification of a complete cached file, and uploads.
public struct ChecksumAccumulator: Sendable {
    private var adler = Adler32()
    private var md5 = MD5()
    private var sha256: SHA256?

    /// `expected`: the checksums the result will be compared with (decides whether SHA-256 is computed).
    public init(for expected: [Checksum] = []) {
        sha256 = expected.contains(where: \.needsSHA256) ? SHA256() : nil
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        adler.update(bytes)
        md5.update(bytes)
        sha256?.update(bytes)
    }

    public mutating func finish() -> ChecksumCalculator.Result {
        ChecksumCalculator.Result(adler32: adler.hex, md5: md5.finalizeHex(), sha256: sha256?.finalizeHex())
    }
}

/// Computes a file's checksums in one pass, in chunks (never the whole file in memory).
public enum ChecksumCalculator {
    public struct Result: Sendable, Equatable {
        public var adler32: String
        public var md5: String
        /// Computed only when an expected checksum was SHA-256.
        public var sha256: String?

        public init(adler32: String, md5: String, sha256: String? = nil) {
            self.adler32 = adler32
            self.md5 = md5
            self.sha256 = sha256
        }
    }

    public static func compute(fileDescriptor fd: Int32, length: UInt64, for expected: [Checksum] = []) throws -> Result {
        var accumulator = ChecksumAccumulator(for: expected)
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
            accumulator.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            offset += UInt64(n)
        }
        return accumulator.finish()
    }

    public static func compute(_ data: Data, for expected: [Checksum] = []) -> Result {
        var accumulator = ChecksumAccumulator(for: expected)
        data.withUnsafeBytes { accumulator.update($0) }
        return accumulator.finish()
    }

    /// The first mismatching checksum, or nil when every expected one matches.
    public static func mismatch(expected: [Checksum], actual: Result) -> (expected: Checksum, actual: String)? {
        for checksum in expected {
            switch checksum {
            case .adler32(let want):
                if !Checksum.sameAdler32(want, actual.adler32) { return (checksum, actual.adler32) }
            case .md5(let want):
                if want.lowercased() != actual.md5 { return (checksum, actual.md5) }
            case .sha256(let want):
                guard let got = actual.sha256 else { return (checksum, "(not computed)") }
                if want.lowercased() != got { return (checksum, got) }
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
