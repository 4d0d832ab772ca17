import CCrypto
import Foundation

/// An X.509 certificate held in libcrypto memory. Immutable after creation, so one instance may be shared between
/// threads; it is freed with the object.
/// `@unchecked Sendable` with no lock: `x509` is an `OpaquePointer` set once in init; libcrypto only reads it after.
public final class Certificate: @unchecked Sendable {
    /// The `X509`, owned.
    let x509: OpaquePointer

    init(owning x509: OpaquePointer) {
        self.x509 = x509
    }

    deinit {
        X509_free(x509)
    }

    /// The first `CERTIFICATE` block in `pem`; other blocks (keys, requests) before it are skipped.
    public init(pem: String) throws {
        OpenSSLErrorQueue.clear()
        let parsed: OpaquePointer? = try MemoryBIO.reading(pem) { PEM_read_bio_X509($0, nil, sciencefs_pem_refuse_passphrase, nil) }
        guard let parsed else { throw X509Error.openSSL("reading a certificate from PEM") }
        x509 = parsed
    }

    /// Every `CERTIFICATE` block in `text`, in order. Key and other blocks are skipped; a damaged certificate block
    /// is an error.
    public static func all(inPEM text: String) throws -> [Certificate] {
        OpenSSLErrorQueue.clear()
        return try MemoryBIO.reading(text) { bio in
            var certificates: [Certificate] = []
            while let x509 = PEM_read_bio_X509(bio, nil, sciencefs_pem_refuse_passphrase, nil) {
                certificates.append(Certificate(owning: x509))
            }
            guard OpenSSLErrorQueue.lastIsEndOfPEM else {
                throw X509Error.openSSL("reading certificate \(certificates.count + 1) from PEM")
            }
            OpenSSLErrorQueue.clear()
            return certificates
        }
    }

    /// The certificate as one PEM `CERTIFICATE` block, ending in a newline.
    public var pem: String {
        // Writing an already-parsed certificate to memory fails only when memory runs out.
        (try? MemoryBIO.writing("a certificate") { PEM_write_bio_X509($0, x509) }) ?? ""
    }

    /// The subject in one-line form, e.g. `/DC=org/DC=example/O=Lab/CN=Alice Researcher`.
    public var subject: String { subjectName.oneLine }

    /// The issuer in one-line form.
    public var issuer: String { issuerName.oneLine }

    var subjectName: DistinguishedName { DistinguishedName(X509_get_subject_name(x509)) }
    var issuerName: DistinguishedName { DistinguishedName(X509_get_issuer_name(x509)) }

    /// The serial number in upper-case hexadecimal without leading zeros, as `openssl x509 -serial` prints it
    /// (a negative serial gets a leading `-`).
    public var serialNumberHex: String {
        guard let serial = X509_get0_serialNumber(x509), let number = ASN1_INTEGER_to_BN(serial, nil) else { return "" }
        defer { BN_free(number) }
        guard let hex = BN_bn2hex(number) else { return "" }
        defer { sciencefs_openssl_free(hex) }
        return String(cString: hex)
    }

    public var notBefore: Date { Self.date(X509_get0_notBefore(x509)) }
    public var notAfter: Date { Self.date(X509_get0_notAfter(x509)) }

    /// Whether the certificate carries the RFC 3820 proxyCertInfo extension.
    public var isProxy: Bool {
        X509_get_ext_by_NID(x509, NID_proxyCertInfo, -1) >= 0
    }

    /// Whether the certificate may act as a CA (basicConstraints CA:TRUE, or an old self-signed v1 root).
    var isCA: Bool {
        let result = X509_check_ca(x509)
        OpenSSLErrorQueue.clear()
        return result != 0
    }

    /// Whether the certificate has a subjectKeyIdentifier, which authorityKeyIdentifier=keyid in certificates it
    /// issues is taken from.
    var hasSubjectKeyIdentifier: Bool {
        X509_get_ext_by_NID(x509, NID_subject_key_identifier, -1) >= 0
    }

    /// The OpenSSL subject-name hash (`openssl x509 -hash`) as 8 lower-case hex digits: the file name stem under
    /// which a CApath directory holds this certificate.
    public var subjectHash: String {
        String(format: "%08lx", X509_subject_name_hash(x509))
    }

    /// Whether the certificate's public key is the public half of `key`.
    public func publicKeyMatches(_ key: PrivateKey) -> Bool {
        key.matches(publicKey: X509_get0_pubkey(x509))
    }

    /// Whether `issuer` issued this certificate: this certificate's issuer name is `issuer`'s subject and its
    /// signature verifies with `issuer`'s public key. Validity periods and CA flags are not checked here.
    public func isSigned(by issuer: Certificate) -> Bool {
        defer { OpenSSLErrorQueue.clear() }
        guard X509_NAME_cmp(X509_get_issuer_name(x509), X509_get_subject_name(issuer.x509)) == 0,
              let issuerKey = X509_get0_pubkey(issuer.x509)
        else { return false }
        return X509_verify(x509, issuerKey) == 1
    }

    /// A certificate time as a `Date` (whole seconds, UTC).
    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else { return Date(timeIntervalSince1970: 0) }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
