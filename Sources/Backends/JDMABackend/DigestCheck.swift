import SciencefsCore

/// A JDMA file's digest as the Core's `Checksum` (JDMA records `SHA256` for new batches; older ones may carry md5 or
/// adler32). The Core verifies it like any service's checksum; `"0"` marks a directory, not a digest.
enum DigestCheck {
    static func coreChecksum(digest: String?, format: String?) -> Checksum? {
        guard let digest, let format else { return nil }
        return Checksum(algorithm: format, hex: digest)
    }

    /// `SHA256`, `sha-256`, `ADLER32`… → `sha256`, `adler32` (the algorithm part of `user.jdma.digest`).
    static func normalized(_ format: String) -> String {
        format.lowercased().filter { $0.isLetter || $0.isNumber }
    }
}
