import CCrypto
import Foundation

/// Validates an end-entity certificate against trust anchors with OpenSSL's own path validation (signatures,
/// validity at a given time, CA flags and path lengths).
enum TrustPath {
    static func verify(_ certificate: Certificate, intermediates: [Certificate], trustedCAs: [Certificate], at time: Date) throws {
        guard !trustedCAs.isEmpty else { throw X509Error(message: "no trusted CA certificates were given") }
        guard let store = X509_STORE_new() else { throw X509Error.openSSL("allocating a certificate store") }
        defer { X509_STORE_free(store) }
        for ca in trustedCAs where X509_STORE_add_cert(store, ca.x509) != 1 {
            throw X509Error.openSSL("adding the CA \(ca.subject) to a certificate store")
        }
        guard let untrusted = sciencefs_x509_stack_new() else { throw X509Error.openSSL("allocating a certificate stack") }
        defer { sciencefs_x509_stack_free(untrusted) }
        for intermediate in intermediates where sciencefs_x509_stack_push(untrusted, intermediate.x509) <= 0 {
            throw X509Error.openSSL("collecting intermediate certificates")
        }
        guard let context = X509_STORE_CTX_new() else { throw X509Error.openSSL("allocating a verification context") }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, certificate.x509, untrusted) == 1 else {
            throw X509Error.openSSL("setting up certificate verification")
        }
        X509_STORE_CTX_set_time(context, 0, time_t(time.timeIntervalSince1970.rounded(.down)))
        // The stack and store do not take ownership; the Certificate objects must outlive the verification.
        let verified = withExtendedLifetime((certificate, intermediates, trustedCAs)) { X509_verify_cert(context) }
        guard verified == 1 else {
            let code = X509_STORE_CTX_get_error(context)
            let reason = String(cString: X509_verify_cert_error_string(Int(code)))
            OpenSSLErrorQueue.clear()
            throw X509Error(message: "the certificate \(certificate.subject) does not chain to a trusted CA: \(reason)")
        }
    }
}
