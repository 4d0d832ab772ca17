import CCrypto
import Foundation

/// Message digests, for identifiers such as the FTS3 delegation id (the first 16 hex digits of SHA-1 of the DN).
public enum Digest {
    /// SHA-1 of `data` as 40 lower-case hex digits.
    public static func sha1Hex(_ data: Data) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { bytes in
            EVP_Digest(bytes.baseAddress, bytes.count, &digest, &length, EVP_sha1(), nil)
        }
        // SHA-1 from the default provider cannot fail short of memory exhaustion; that is treated as fatal.
        precondition(ok == 1, "EVP_Digest(SHA-1) failed: \(OpenSSLErrorQueue.drain().joined(separator: "; "))")
        return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }
}
