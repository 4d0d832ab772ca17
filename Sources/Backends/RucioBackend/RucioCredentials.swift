import Foundation

/// How the backend proves who it is to Rucio (docs/protocols/rucio.md §3). Secrets stay in memory; `description` never
/// shows them, so a configuration can be logged or printed safely.
public enum RucioCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// `GET /auth/userpass` with `X-Rucio-Username` / `X-Rucio-Password`; renewed whenever needed.
    case userpass(username: String, password: String)
    /// `GET /auth/x509` with a client certificate and key (PEM) on the TLS connection.
    case x509(certificate: String, key: String?)
    /// `GET /auth/x509_proxy` with an X.509 proxy (certificate, key and chain in one PEM file).
    case x509Proxy(path: String)
    /// A ready token (e.g. an OIDC/WLCG JWT from `$BEARER_TOKEN`) sent as `X-Rucio-Auth-Token`; it cannot be
    /// renewed by us, so a rejection is EACCES.
    case token(String)
    /// A file holding a ready token (`$BEARER_TOKEN_FILE`, `$XDG_RUNTIME_DIR/bt_u<uid>`), written by an external
    /// agent (oidc-agent, htgettoken); re-read when the server rejects the token.
    case tokenFile(String)

    public var authType: String {
        switch self {
        case .userpass: return "userpass"
        case .x509: return "x509"
        case .x509Proxy: return "x509_proxy"
        case .token, .tokenFile: return "oidc"
        }
    }

    public var description: String {
        switch self {
        case .userpass(let username, _): return "userpass(username: \(username), password: <redacted>)"
        case .x509(let certificate, _): return "x509(certificate: \(certificate))"
        case .x509Proxy(let path): return "x509_proxy(\(path))"
        case .token: return "token(<redacted>)"
        case .tokenFile(let path): return "token file(\(path))"
        }
    }

    public var debugDescription: String { description }

    /// The client certificate (and key) the TLS layer must present, if any.
    var clientCertificate: (certificate: String, key: String?)? {
        switch self {
        case .x509(let certificate, let key): return (certificate, key)
        case .x509Proxy(let path): return (path, nil)
        default: return nil
        }
    }
}
