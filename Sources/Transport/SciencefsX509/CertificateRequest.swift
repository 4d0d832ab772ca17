import CCrypto

/// A PKCS#10 certificate signing request: in FTS3 delegation the server makes one for a key it keeps, and the
/// client turns it into a proxy certificate. Immutable after creation, so one instance may be shared between threads.
/// `@unchecked Sendable` with no lock: `request` is an `OpaquePointer` set once in init; libcrypto only reads it after.
public final class CertificateRequest: @unchecked Sendable {
    /// The `X509_REQ`, owned.
    let request: OpaquePointer

    init(owning request: OpaquePointer) {
        self.request = request
    }

    deinit {
        X509_REQ_free(request)
    }

    /// The first `CERTIFICATE REQUEST` (or `NEW CERTIFICATE REQUEST`) block in `pem`.
    public init(pem: String) throws {
        OpenSSLErrorQueue.clear()
        let parsed: OpaquePointer? = try MemoryBIO.reading(pem) { PEM_read_bio_X509_REQ($0, nil, sciencefs_pem_refuse_passphrase, nil) }
        guard let parsed else { throw X509Error.openSSL("reading a certificate request from PEM") }
        request = parsed
    }

    /// A request for `key`'s public key with the given subject (one-line form, e.g. `/CN=proxy`), signed with `key`
    /// using SHA-256.
    public static func make(key: PrivateKey, subject: String) throws -> CertificateRequest {
        OpenSSLErrorQueue.clear()
        let name = try DistinguishedName(oneLine: subject).makeX509Name()
        defer { X509_NAME_free(name) }
        guard let request = X509_REQ_new() else { throw X509Error.openSSL("allocating a certificate request") }
        let result = CertificateRequest(owning: request)
        guard X509_REQ_set_version(request, 0) == 1,
              X509_REQ_set_subject_name(request, name) == 1,
              X509_REQ_set_pubkey(request, key.pkey) == 1
        else { throw X509Error.openSSL("filling in a certificate request") }
        guard X509_REQ_sign(request, key.pkey, EVP_sha256()) > 0 else { throw X509Error.openSSL("signing a certificate request") }
        return result
    }

    /// The request as one PEM `CERTIFICATE REQUEST` block, ending in a newline.
    public var pem: String {
        (try? MemoryBIO.writing("a certificate request") { PEM_write_bio_X509_REQ($0, request) }) ?? ""
    }

    /// The subject in one-line form.
    public var subject: String {
        DistinguishedName(X509_REQ_get_subject_name(request)).oneLine
    }

    public func publicKeyMatches(_ key: PrivateKey) -> Bool {
        key.matches(publicKey: X509_REQ_get0_pubkey(request))
    }

    /// Whether the request's self-signature verifies, i.e. whoever made it holds the private key.
    var hasValidSignature: Bool {
        defer { OpenSSLErrorQueue.clear() }
        guard let key = X509_REQ_get0_pubkey(request) else { return false }
        return X509_REQ_verify(request, key) == 1
    }
}
