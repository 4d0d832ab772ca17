import CCrypto

/// A private key (RSA, or EC) held in libcrypto memory. Immutable after creation, so one instance may be shared
/// between threads; it is freed with the object.
/// `@unchecked Sendable` with no lock: `pkey` is an `OpaquePointer` set once in init; libcrypto only reads it after.
public final class PrivateKey: @unchecked Sendable {
    /// The `EVP_PKEY`, owned.
    let pkey: OpaquePointer

    init(owning pkey: OpaquePointer) {
        self.pkey = pkey
    }

    deinit {
        EVP_PKEY_free(pkey)
    }

    /// The first private key in `pem`: PKCS#1 (`RSA PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`).
    /// Other blocks, such as the certificates around the key in a proxy file, are skipped. An encrypted key is
    /// refused (see `init(pem:passphrase:)`).
    public convenience init(pem: String) throws {
        try self.init(pem: pem, passphrase: nil)
    }

    /// As `init(pem:)`, decrypting an encrypted key (`ENCRYPTED PRIVATE KEY` or `Proc-Type: 4,ENCRYPTED`) with
    /// `passphrase`.
    public init(pem: String, passphrase: String?) throws {
        OpenSSLErrorQueue.clear()
        let block = PEMBlocks.firstPrivateKey(in: pem) ?? pem
        let key: OpaquePointer? = try MemoryBIO.reading(block) { bio in
            if let passphrase {
                // With no callback OpenSSL's default one takes the user data as the NUL-terminated passphrase.
                return passphrase.withCString { PEM_read_bio_PrivateKey(bio, nil, nil, UnsafeMutableRawPointer(mutating: $0)) }
            }
            return PEM_read_bio_PrivateKey(bio, nil, sciencefs_pem_refuse_passphrase, nil)
        }
        guard let key else { throw X509Error.openSSL("reading a private key from PEM") }
        pkey = key
    }

    /// A fresh RSA key with public exponent 65537.
    public static func generateRSA(bits: Int = 2048) throws -> PrivateKey {
        OpenSSLErrorQueue.clear()
        guard bits >= 512, bits <= 16384 else { throw X509Error(message: "unsupported RSA key size \(bits)") }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else {
            throw X509Error.openSSL("allocating an RSA key generation context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1 else {
            throw X509Error.openSSL("setting up RSA key generation")
        }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(context, &key) == 1, let key else { throw X509Error.openSSL("generating an RSA key") }
        return PrivateKey(owning: key)
    }

    /// The key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    public func pem() throws -> String {
        OpenSSLErrorQueue.clear()
        return try MemoryBIO.writing("a private key") { PEM_write_bio_PrivateKey($0, pkey, nil, nil, 0, nil, nil) }
    }

    /// The key size in bits (the modulus length for RSA).
    public var bits: Int {
        Int(EVP_PKEY_get_bits(pkey))
    }

    /// Whether `publicKey` (an `EVP_PKEY` holding at least the public half) is the public half of this key.
    func matches(publicKey: OpaquePointer?) -> Bool {
        guard let publicKey else { return false }
        let equal = EVP_PKEY_eq(pkey, publicKey) == 1
        OpenSSLErrorQueue.clear()
        return equal
    }
}
