import CCrypto
import Foundation

/// A streaming digest from libcrypto (EVP), which the package already links for X.509 delegation. Only for checking
/// the checksums services publish, never for security.
///
/// `@unchecked Sendable` with no lock: the libcrypto context (an `OpaquePointer`) is owned by one computation, which
/// runs on one thread at a time; each computation makes its own, and none is shared while it is being updated.
final class EVPDigest: @unchecked Sendable {
    private let context: OpaquePointer?

    init(_ algorithm: OpaquePointer?) {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, algorithm, nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// The digest in lowercase hex; the digest cannot be updated afterwards.
    func finalizeHex() -> String {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &out, &length)
        return out.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }
}

/// MD5, streaming (libcrypto).
public struct MD5: Sendable {
    private let digest = EVPDigest(EVP_md5())
    public init() {}
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { digest.update(bytes) }
    public mutating func finalizeHex() -> String { digest.finalizeHex() }
}

/// SHA-256, streaming (libcrypto).
public struct SHA256: Sendable {
    private let digest = EVPDigest(EVP_sha256())
    public init() {}
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { digest.update(bytes) }
    public mutating func update(_ data: Data) { data.withUnsafeBytes { digest.update($0) } }
    public mutating func finalizeHex() -> String { digest.finalizeHex() }
}
