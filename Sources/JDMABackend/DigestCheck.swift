import Foundation
import SciencefsCore

/// Which digests the Core verifies (`Backend.checksums`) and which this backend must verify itself.
enum DigestCheck {
    /// The digest as a Core `Checksum`, when its format is one the Core checks (md5, adler32).
    static func coreChecksum(digest: String?, format: String?) -> Checksum? {
        guard let digest, !digest.isEmpty, digest != "0", let format else { return nil }
        switch normalized(format) {
        case "md5": return .md5(digest.lowercased())
        case "adler32": return .adler32(digest.lowercased())
        default: return nil
        }
    }

    /// True when the backend must hash the staged file itself before serving it.
    static func needsOwnVerification(digest: String?, format: String?) -> Bool {
        guard let digest, !digest.isEmpty, digest != "0", let format else { return false }
        return normalized(format) == "sha256"
    }

    /// `SHA256`, `sha-256`, `ADLER32`… → `sha256`, `adler32`.
    static func normalized(_ format: String) -> String {
        format.lowercased().filter { $0.isLetter || $0.isNumber }
    }

    /// SHA-256 of a local file, read in 1 MiB chunks.
    static func sha256(of file: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(chunk)
        }
        return hasher.finalizeHex()
    }
}
