import Foundation
import SciencefsCore

/// The credential actually used, after `.automatic` was looked up: files to present on the TLS connection (and
/// to sign delegations with), or a bearer token.
enum FTS3Identity: Sendable, Equatable, CustomStringConvertible {
    /// A certificate file (first certificate = the identity, then its chain) and the file holding its key;
    /// for a proxy both are the same file.
    case x509(certificatePath: String, keyPath: String)
    case bearer(token: String)

    var isX509: Bool {
        if case .x509 = self { return true }
        return false
    }

    var description: String {
        switch self {
        case .x509(let cert, let key): return cert == key ? "x509 proxy \(cert)" : "x509 cert \(cert), key \(key)"
        case .bearer: return "bearer token"
        }
    }

    /// What the process looks at to find a credential; injectable so the lookup order can be tested.
    struct Environment {
        var variables: [String: String]
        var effectiveUserID: UInt32
        var fileExists: (String) -> Bool

        static var current: Environment {
            Environment(variables: ProcessInfo.processInfo.environment, effectiveUserID: UInt32(geteuid()),
                        fileExists: { FileManager.default.fileExists(atPath: $0) })
        }
    }

    static let hostCertificate = "/etc/grid-security/hostcert.pem"
    static let hostKey = "/etc/grid-security/hostkey.pem"

    /// Resolves a configured credential to files (docs/protocols/fts3.md §2.1; `Context._set_x509` of the real client) and
    /// checks they are there. Throws `FSError.invalidArgument` naming what is missing.
    static func resolve(_ credential: FTS3Configuration.Credential, in environment: Environment = .current) throws -> FTS3Identity {
        let identity: FTS3Identity
        switch credential {
        case .bearer(let token):
            guard !token.isEmpty else { throw FSError.invalidArgument("FTS3: the bearer token is empty") }
            return .bearer(token: token)
        case .proxy(let path):
            identity = .x509(certificatePath: path, keyPath: path)
        case .certificate(let cert, let key):
            identity = .x509(certificatePath: cert, keyPath: key.isEmpty ? cert : key)
        case .automatic:
            identity = try lookUp(in: environment)
        }
        guard case .x509(let cert, let key) = identity else { return identity }
        for (path, what) in [(cert, "certificate"), (key, "private key")] where !environment.fileExists(path) {
            throw FSError.invalidArgument("FTS3: X.509 \(what) file \(path) not found")
        }
        return identity
    }

    /// The real client's order: a proxy named by `$X509_USER_PROXY`, the default proxy of this user, a
    /// certificate named by `$X509_USER_CERT` (key from `$X509_USER_KEY`, else the same file), the host
    /// certificate.
    private static func lookUp(in environment: Environment) throws -> FTS3Identity {
        let variables = environment.variables
        if let proxy = variables["X509_USER_PROXY"], !proxy.isEmpty {
            return .x509(certificatePath: proxy, keyPath: proxy)
        }
        let defaultProxy = "/tmp/x509up_u\(environment.effectiveUserID)"
        if environment.fileExists(defaultProxy) {
            return .x509(certificatePath: defaultProxy, keyPath: defaultProxy)
        }
        if let cert = variables["X509_USER_CERT"], !cert.isEmpty {
            let key = variables["X509_USER_KEY"].flatMap { $0.isEmpty ? nil : $0 } ?? cert
            return .x509(certificatePath: cert, keyPath: key)
        }
        if environment.fileExists(hostCertificate), environment.fileExists(hostKey) {
            return .x509(certificatePath: hostCertificate, keyPath: hostKey)
        }
        throw FSError.invalidArgument("FTS3: no X.509 credential found: set X509_USER_PROXY, create \(defaultProxy) "
            + "(voms-proxy-init), or set X509_USER_CERT and X509_USER_KEY")
    }
}
