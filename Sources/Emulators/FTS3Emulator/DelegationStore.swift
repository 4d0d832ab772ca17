import Foundation
import SciencefsX509

/// The server's `t_credential_cache` and `t_credential`: per delegation id, the key pair and certificate request
/// handed out by `GET /delegation/{id}/request` (kept until a credential for it arrives), and the delegated
/// proxy with its termination time. Thread-safe.
final class DelegationStore: @unchecked Sendable {
    struct Pending {
        let dn: String
        let key: PrivateKey
        let requestPEM: String
    }

    struct Credential {
        let dn: String
        /// Proxy certificate, its private key, then the chain the client sent: a complete proxy file.
        let proxyPEM: String
        let terminationTime: Date
    }

    private let lock = NSLock()
    private var pending: [String: Pending] = [:]
    private var credentials: [String: Credential] = [:]

    func credential(delegationID: String, dn: String) -> Credential? {
        lock.withLock { credentials[delegationID].flatMap { $0.dn == dn ? $0 : nil } }
    }

    func terminationTime(delegationID: String, dn: String) -> Date? {
        credential(delegationID: delegationID, dn: dn)?.terminationTime
    }

    /// The cached request for the id, or a new one for a fresh RSA key (the server's `_generate_proxy_request`;
    /// its subject is a placeholder the client ignores).
    func request(delegationID: String, dn: String) throws -> String {
        if let cached = lock.withLock({ pending[delegationID] }), cached.dn == dn { return cached.requestPEM }
        let key = try PrivateKey.generateRSA()
        let request = try CertificateRequest.make(key: key, subject: "/O=Dummy")
        return lock.withLock {
            // Another request may have raced this one; the first cached pair wins so that both callers sign it.
            if let cached = pending[delegationID], cached.dn == dn { return cached.requestPEM }
            pending[delegationID] = Pending(dn: dn, key: key, requestPEM: request.pem)
            return request.pem
        }
    }

    /// Checks a delegated chain against the cached key (docs/protocols/fts3.md §2.2 step 5) and stores it. The cached request
    /// is used up. Throws `FTS3Error` 400 with the server's wording when the proxy is not acceptable.
    func storeCredential(delegationID: String, dn: String, chainPEM: String, trustedCAs: [Certificate]) throws -> Credential {
        guard let cached = lock.withLock({ pending[delegationID] }), cached.dn == dn else {
            throw FTS3Error.badRequest("No credential cache found")
        }
        let chain: [Certificate]
        let verified: (userDN: String, terminationTime: Date)
        do {
            chain = try Certificate.all(inPEM: chainPEM)
            verified = try ProxyCertificate.verifyDelegated(chain: chain, expectedKey: cached.key, trustedCAs: trustedCAs)
        } catch let error as X509Error {
            throw FTS3Error.badRequest("Could not process the proxy: \(error.message)")
        }
        guard verified.userDN == dn else {
            throw FTS3Error.badRequest("Could not process the proxy: it was issued for \(verified.userDN), not \(dn)")
        }
        let credential = Credential(dn: dn, proxyPEM: chain[0].pem + (try cached.key.pem()) + chain.dropFirst().map(\.pem).joined(),
                                    terminationTime: verified.terminationTime)
        lock.withLock {
            credentials[delegationID] = credential
            if pending[delegationID]?.key === cached.key { pending[delegationID] = nil }
        }
        return credential
    }

    /// Removes a stored credential; false when there was none.
    func remove(delegationID: String, dn: String) -> Bool {
        lock.withLock {
            guard credentials[delegationID]?.dn == dn else { return false }
            credentials[delegationID] = nil
            return true
        }
    }
}
