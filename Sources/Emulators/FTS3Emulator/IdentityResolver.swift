import EmulatorSupport
import Foundation
import Hummingbird
import SciencefsX509

/// Headers the TLS front sets on every request it forwards (and replaces if a client sent them itself).
enum FrontHeaders {
    /// The per-start secret: only nginx knows it, so only nginx can assert a client identity.
    static let secret = HeaderName("X-FTS3-Emulator-Front") ?? .authorization
    /// nginx's `$ssl_client_verify`: `SUCCESS`, `NONE`, or `FAILED:reason`.
    static let verify = HeaderName("X-FTS3-Client-Verify") ?? .authorization
    /// nginx's `$ssl_client_escaped_cert`: the client's certificate, PEM, URL-encoded.
    static let certificate = HeaderName("X-FTS3-Client-Cert") ?? .authorization
    /// nginx's `$ssl_client_s_dn` (RFC 2253 form), for logs only; the DN used is read from the certificate.
    static let subject = HeaderName("X-FTS3-Client-DN") ?? .authorization
}

/// Works out who a request comes from (the server's `UserCredentials`): a bearer token from
/// `configuration.bearerTokens` (method `oauth2`), else a client certificate the front verified against the
/// test CA (method `certificate`; the DN is the certificate's subject, or its issuer's for a proxy). Neither:
/// 401, as the server's middleware answers; an unknown token: 403.
struct IdentityResolver {
    let bearerTokens: [String: String]
    let voName: String

    func resolve(_ headers: HTTPFields) throws -> ClientIdentity {
        if let authorization = headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw FTS3Error.forbidden("Invalid credentials (unsupported Authorization scheme)")
            }
            let token = parts[1].trimmingCharacters(in: .whitespaces)
            guard let dn = bearerTokens[token] else {
                throw FTS3Error.forbidden("Invalid credentials (the access token is not valid)")
            }
            return ClientIdentity(dn: dn, method: .oauth2, voName: voName, delegationID: Self.delegationID(dn: dn),
                                  certificatePEM: nil, bearerToken: token)
        }
        if headers[FrontHeaders.verify] == "SUCCESS", let escaped = headers[FrontHeaders.certificate],
           let pem = FormEncoding.percentDecode(escaped, plusIsSpace: false) {
            let certificate: Certificate
            do {
                certificate = try Certificate(pem: pem)
            } catch {
                throw FTS3Error.forbidden("Invalid credentials (unreadable client certificate)")
            }
            let dn = ProxyCertificate.endEntitySubject(of: certificate)
            return ClientIdentity(dn: dn, method: .certificate, voName: voName, delegationID: Self.delegationID(dn: dn),
                                  certificatePEM: pem, bearerToken: nil)
        }
        throw FTS3Error(401, "A valid X509 certificate or proxy is needed")
    }

    /// The server's `generate_delegation_id`: the first 16 hex digits of SHA-1 over the DN's UTF-8 bytes
    /// followed by each FQAN's.
    static func delegationID(dn: String, fqans: [String] = []) -> String {
        var bytes = Data(dn.utf8)
        for fqan in fqans { bytes.append(Data(fqan.utf8)) }
        return String(Digest.sha1Hex(bytes).prefix(16))
    }

    /// A name-based (version 5 style) UUID, for the `base_id` and `vos_id` fields of `whoami`.
    static func nameBasedUUID(_ name: String) -> String {
        var hex = Array(Digest.sha1Hex(Data(("fts3-emulator:" + name).utf8)).prefix(32))
        hex[12] = "5"
        let variant = Int(String(hex[16]), radix: 16) ?? 0
        hex[16] = Array(String((variant & 0x3) | 0x8, radix: 16))[0]
        let text = String(hex)
        let cuts = [8, 12, 16, 20]
        var out = ""
        for (index, character) in text.enumerated() {
            if cuts.contains(index) { out.append("-") }
            out.append(character)
        }
        return out
    }
}
