import CCrypto
import Foundation

/// Fills in and signs a version 3 certificate: the one place that builds an `X509`, used for proxies and for the
/// test PKI. Extensions are given in OpenSSL's configuration syntax (`"critical,CA:FALSE"`).
struct CertificateBuilder {
    enum Serial {
        /// The issuer's serial, as proxy certificates carry it.
        case sameAs(Certificate)
        /// A random positive 63-bit serial.
        case random
    }

    struct Extension {
        var nid: Int32
        var value: String
    }

    /// The subject `X509_NAME`; borrowed (the certificate takes a copy).
    var subject: OpaquePointer
    /// The certified public key `EVP_PKEY`; borrowed, and must stay alive until `sign` returns.
    var publicKey: OpaquePointer
    var serial: Serial
    var notBefore: Date
    var notAfter: Date
    /// Added in order; put subjectKeyIdentifier before authorityKeyIdentifier for self-signed certificates.
    var extensions: [Extension]

    /// Signs with SHA-256. `issuer` nil makes a self-signed certificate (then `issuerKey` must hold `publicKey`).
    func sign(issuer: Certificate?, issuerKey: PrivateKey) throws -> Certificate {
        guard let x509 = X509_new() else { throw X509Error.openSSL("allocating a certificate") }
        let certificate = Certificate(owning: x509)
        let issuerName = issuer.map { X509_get_subject_name($0.x509) } ?? subject
        guard X509_set_version(x509, 2) == 1,
              X509_set_subject_name(x509, subject) == 1,
              X509_set_issuer_name(x509, issuerName) == 1,
              X509_set_pubkey(x509, publicKey) == 1
        else { throw X509Error.openSSL("filling in a certificate") }
        try setSerial(of: x509)
        guard ASN1_TIME_set(X509_getm_notBefore(x509), time_t(notBefore.timeIntervalSince1970.rounded(.down))) != nil,
              ASN1_TIME_set(X509_getm_notAfter(x509), time_t(notAfter.timeIntervalSince1970.rounded(.down))) != nil
        else { throw X509Error.openSSL("setting a certificate's validity") }
        try addExtensions(to: x509, issuer: issuer?.x509 ?? x509)
        guard X509_sign(x509, issuerKey.pkey, EVP_sha256()) > 0 else { throw X509Error.openSSL("signing a certificate") }
        return certificate
    }

    private func setSerial(of x509: OpaquePointer) throws {
        switch serial {
        case .sameAs(let other):
            guard X509_set_serialNumber(x509, X509_get_serialNumber(other.x509)) == 1 else {
                throw X509Error.openSSL("copying a serial number")
            }
        case .random:
            guard let number = ASN1_INTEGER_new() else { throw X509Error.openSSL("allocating a serial number") }
            defer { ASN1_INTEGER_free(number) }
            guard ASN1_INTEGER_set_uint64(number, UInt64.random(in: 1...UInt64(Int64.max))) == 1,
                  X509_set_serialNumber(x509, number) == 1
            else { throw X509Error.openSSL("setting a serial number") }
        }
    }

    /// Some extensions (proxyCertInfo) are parsed by OpenSSL only when the context has a configuration database,
    /// so an empty one is attached.
    private func addExtensions(to x509: OpaquePointer, issuer: OpaquePointer) throws {
        guard !extensions.isEmpty else { return }
        guard let configuration = NCONF_new(nil) else { throw X509Error.openSSL("allocating an extension configuration") }
        defer { NCONF_free(configuration) }
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer, x509, nil, nil, 0)
        X509V3_set_nconf(&context, configuration)
        for item in extensions {
            guard let extensionObject = X509V3_EXT_nconf_nid(configuration, &context, item.nid, item.value) else {
                throw X509Error.openSSL("making the \(String(cString: OBJ_nid2sn(item.nid))) extension '\(item.value)'")
            }
            defer { X509_EXTENSION_free(extensionObject) }
            guard X509_add_ext(x509, extensionObject, -1) == 1 else { throw X509Error.openSSL("adding an extension") }
        }
    }
}
