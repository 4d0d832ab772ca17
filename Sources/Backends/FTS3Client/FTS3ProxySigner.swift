import Foundation
import SciencefsCore
import SciencefsX509

/// Signs the server's delegation request with the user's credential (docs/protocols/fts3.md §2.2 steps 4–5) and builds the
/// body of `PUT /delegation/{id}/credential`: the new proxy followed by every certificate of the user's
/// certificate file, never a key.
///
/// The files are read again at each signature so a proxy renewed on disk (voms-proxy-init) is used at once.
/// Error messages name files, never their contents.
struct FTS3ProxySigner: Sendable {
    let certificatePath: String
    let keyPath: String

    struct Credential {
        /// Every certificate of the certificate file; the first is the identity that signs.
        var certificates: [Certificate]
        var key: PrivateKey
        /// The earliest expiry in the file: a proxy we make cannot outlive it.
        var expires: Date
    }

    struct SignedProxy {
        /// PEM: the proxy, then the user's certificates.
        var body: String
        /// The proxy's notAfter (already capped by the chain's earliest expiry).
        var expires: Date
    }

    /// Checks the credential now (files readable, a certificate and its key present, not expired), so a bad
    /// configuration is reported when the client is made rather than at the first copy.
    init(certificatePath: String, keyPath: String, now: Date = Date()) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        let credential = try load(makeError: FSError.invalidArgument)
        guard credential.expires > now else {
            throw FSError.invalidArgument("FTS3: the X.509 credential in \(certificatePath) expired at "
                + "\(FTS3Date.format(credential.expires)) UTC")
        }
    }

    /// Reads the certificate file and the key; `makeError` wraps a message into the caller's error.
    func load(makeError: (String) -> FSError) throws -> Credential {
        let certificateText = try read(certificatePath, what: "certificate", makeError: makeError)
        let keyText = keyPath == certificatePath ? certificateText : try read(keyPath, what: "private key", makeError: makeError)
        let certificates: [Certificate]
        do {
            certificates = try Certificate.all(inPEM: certificateText)
        } catch {
            throw makeError("FTS3: \(certificatePath) holds no readable certificate: \(error)")
        }
        guard let first = certificates.first else {
            throw makeError("FTS3: \(certificatePath) holds no certificate")
        }
        let key: PrivateKey
        do {
            key = try PrivateKey(pem: keyText)
        } catch {
            throw makeError("FTS3: cannot use the private key in \(keyPath) (it must be PEM and not encrypted): \(error)")
        }
        guard first.publicKeyMatches(key) else {
            throw makeError("FTS3: the private key in \(keyPath) does not belong to the certificate in \(certificatePath)")
        }
        let expires = certificates.map(\.notAfter).min() ?? first.notAfter
        return Credential(certificates: certificates, key: key, expires: expires)
    }

    private func read(_ path: String, what: String, makeError: (String) -> FSError) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw makeError("FTS3: cannot read the X.509 \(what) file \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A proxy for the server's `requestPEM`, living `lifetime` from `now` at most.
    func sign(requestPEM: String, lifetime: TimeInterval, now: Date) throws -> SignedProxy {
        let credential = try load(makeError: FSError.io)
        let request: CertificateRequest
        do {
            request = try CertificateRequest(pem: requestPEM)
        } catch {
            throw FSError.io("FTS3 delegate: the server's delegation request is not a PEM certificate request: \(error)")
        }
        let proxy: Certificate
        do {
            proxy = try ProxyCertificate.sign(request: request, issuer: credential.certificates[0], issuerKey: credential.key,
                                              chain: credential.certificates, lifetime: lifetime, now: now)
        } catch {
            throw FSError.io("FTS3 delegate: cannot sign a proxy with \(certificatePath): \(error)")
        }
        let body = ([proxy] + credential.certificates).map(\.pem).joined()
        return SignedProxy(body: body, expires: proxy.notAfter)
    }
}
