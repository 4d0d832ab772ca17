import CCrypto
import Foundation

/// RFC 3820 proxy certificates as FTS3 delegation uses them: the client signs the server's request with the user's
/// credential (`sign`), the server checks what comes back (`verifyDelegated`).
public enum ProxyCertificate {
    /// How far before `now` a new proxy's validity starts, so that a server whose clock is a little behind accepts it.
    static let clockSkewSlack: TimeInterval = 5 * 60

    /// Client side of FTS3 delegation (docs/protocols/fts3.md §2.2 step 4): signs `request` as an RFC 3820 proxy of `issuer`.
    /// Subject = issuer's subject + `/CN=<unix time>`, issuer = issuer's subject, serial = issuer's serial, v3,
    /// notBefore = now − 5 min (not before the issuer's own notBefore), notAfter = min(now + lifetime, earliest
    /// notAfter of `issuer` and `chain`), extensions basicConstraints=critical,CA:FALSE,
    /// keyUsage=critical,digitalSignature,keyEncipherment, authorityKeyIdentifier=keyid (when the issuer has a
    /// subjectKeyIdentifier), proxyCertInfo=critical,language:id-ppl-inheritAll; SHA-256; the request's public key.
    /// The request's own signature must verify and `issuerKey` must belong to `issuer`.
    public static func sign(request: CertificateRequest, issuer: Certificate, issuerKey: PrivateKey,
                            chain: [Certificate], lifetime: TimeInterval, now: Date = Date()) throws -> Certificate {
        OpenSSLErrorQueue.clear()
        guard lifetime > 0 else { throw X509Error(message: "a proxy lifetime must be positive, got \(lifetime) s") }
        guard request.hasValidSignature else { throw X509Error(message: "the certificate request's signature does not verify") }
        guard issuer.publicKeyMatches(issuerKey) else {
            throw X509Error(message: "the private key does not belong to the certificate \(issuer.subject)")
        }
        let earliestExpiry = ([issuer] + chain).map(\.notAfter).min() ?? issuer.notAfter
        let notAfter = min(now.addingTimeInterval(lifetime), earliestExpiry)
        guard notAfter > now else {
            throw X509Error(message: "the credential of \(issuer.subject) expired at \(earliestExpiry); cannot sign a proxy")
        }
        guard let publicKey = X509_REQ_get0_pubkey(request.request) else {
            throw X509Error.openSSL("reading the certificate request's public key")
        }

        guard let subject = X509_NAME_dup(X509_get_subject_name(issuer.x509)) else { throw X509Error.openSSL("copying a name") }
        defer { X509_NAME_free(subject) }
        let proxyCommonName = Array(String(Int(now.timeIntervalSince1970)).utf8)
        guard X509_NAME_add_entry_by_NID(subject, NID_commonName, sciencefs_mbstring_utf8(), proxyCommonName,
                                         Int32(proxyCommonName.count), -1, 0) == 1
        else { throw X509Error.openSSL("adding the proxy CN") }

        var extensions: [CertificateBuilder.Extension] = [
            .init(nid: NID_basic_constraints, value: "critical,CA:FALSE"),
            .init(nid: NID_key_usage, value: "critical,digitalSignature,keyEncipherment"),
        ]
        if issuer.hasSubjectKeyIdentifier {
            extensions.append(.init(nid: NID_authority_key_identifier, value: "keyid"))
        }
        extensions.append(.init(nid: NID_proxyCertInfo, value: "critical,language:id-ppl-inheritAll"))

        let builder = CertificateBuilder(subject: subject, publicKey: publicKey, serial: .sameAs(issuer),
                                         notBefore: max(now.addingTimeInterval(-clockSkewSlack), issuer.notBefore),
                                         notAfter: notAfter, extensions: extensions)
        return try withExtendedLifetime(request) { try builder.sign(issuer: issuer, issuerKey: issuerKey) }
    }

    /// Server side: checks a delegated credential as the FTS3 server does. `chain` = [proxy, its issuer, …] as the
    /// client sent it. Requires at least 2 certificates; the proxy's public key is `expectedKey`'s; each proxy
    /// (the first certificate, and every following one that is a proxy, RFC 3820 or legacy) is signed by the next
    /// certificate and its subject is that certificate's subject plus exactly one trailing CN; the end-entity
    /// certificate (the first non-proxy) chains to one of `trustedCAs` (OpenSSL path validation, intermediates
    /// taken from `chain`); every certificate of `chain` is valid at `now`. Returns the end-entity subject and the
    /// termination time, the earliest notAfter in `chain`.
    public static func verifyDelegated(chain: [Certificate], expectedKey: PrivateKey, trustedCAs: [Certificate],
                                       now: Date = Date()) throws -> (userDN: String, terminationTime: Date) {
        OpenSSLErrorQueue.clear()
        guard chain.count >= 2 else {
            throw X509Error(message: "a delegated credential needs the proxy and its issuer; got \(chain.count) certificate(s)")
        }
        guard chain[0].publicKeyMatches(expectedKey) else {
            throw X509Error(message: "the proxy's public key does not match the key of the delegation request")
        }
        var index = 0
        repeat {
            guard index + 1 < chain.count else {
                throw X509Error(message: "the proxy \(chain[index].subject) has no issuer in the chain")
            }
            let proxy = chain[index], parent = chain[index + 1]
            guard proxy.subjectName.isProxyName(of: parent.subjectName) else {
                throw X509Error(message: "the proxy subject \(proxy.subject) is not its issuer's \(parent.subject) plus one CN")
            }
            guard proxy.isSigned(by: parent) else {
                throw X509Error(message: "the certificate \(proxy.subject) is not signed by \(parent.subject)")
            }
            index += 1
        } while looksLikeProxy(chain[index])
        let endEntity = chain[index]

        for certificate in chain {
            if certificate.notAfter <= now {
                throw X509Error(message: "the certificate \(certificate.subject) expired at \(certificate.notAfter)")
            }
            if certificate.notBefore > now.addingTimeInterval(clockSkewSlack) {
                throw X509Error(message: "the certificate \(certificate.subject) is not valid before \(certificate.notBefore)")
            }
        }
        try TrustPath.verify(endEntity, intermediates: Array(chain[(index + 1)...]), trustedCAs: trustedCAs, at: now)
        let terminationTime = chain.map(\.notAfter).min() ?? endEntity.notAfter
        return (endEntity.subject, terminationTime)
    }

    /// The identity a certificate stands for: for a proxy (RFC 3820, or a legacy proxy whose subject is its issuer
    /// plus one CN) the issuer's name, i.e. the subject without the trailing proxy CN; otherwise the subject. One
    /// certificate shows only one level of delegation; for a proxy of a proxy use `endEntitySubject(ofChain:)`.
    public static func endEntitySubject(of certificate: Certificate) -> String {
        let subject = certificate.subjectName, issuer = certificate.issuerName
        if subject.isProxyName(of: issuer), certificate.isProxy || !certificate.isCA {
            return issuer.oneLine
        }
        return subject.oneLine
    }

    /// The identity a certificate chain (leaf first, as in a proxy file) stands for: the subject of the first
    /// certificate that is not a proxy, or `endEntitySubject(of:)` of the last one when all are proxies.
    public static func endEntitySubject(ofChain chain: [Certificate]) -> String? {
        guard let last = chain.last else { return nil }
        return chain.first { !looksLikeProxy($0) }?.subject ?? endEntitySubject(of: last)
    }

    /// RFC 3820 proxies carry proxyCertInfo; legacy (Globus GSI-2) proxies are recognised by their name: the
    /// subject is the issuer plus one CN, and the certificate is not a CA.
    static func looksLikeProxy(_ certificate: Certificate) -> Bool {
        certificate.isProxy || (certificate.subjectName.isProxyName(of: certificate.issuerName) && !certificate.isCA)
    }
}
