import Foundation
import SciencefsCore

extension RucioConfiguration {
    /// Where the Rucio client looks for its configuration, in order (docs/protocols/rucio.md §2): `$RUCIO_CONFIG`, then
    /// `$RUCIO_HOME/etc/rucio.cfg`, `$VIRTUAL_ENV/etc/rucio.cfg`, `$CONDA_PREFIX/etc/rucio.cfg`, `/opt/rucio/etc/rucio.cfg`.
    /// `$RUCIO_CONFIG` is used even if missing (the client fails then too); the others only if they exist.
    public static func rucioConfigLocation(environment: [String: String] = ProcessInfo.processInfo.environment,
                                           fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> URL? {
        if let explicit = environment["RUCIO_CONFIG"], !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        let candidates = ["RUCIO_HOME", "VIRTUAL_ENV", "CONDA_PREFIX"].compactMap { key -> String? in
            guard let base = environment[key], !base.isEmpty else { return nil }
            return base + "/etc/rucio.cfg"
        } + ["/opt/rucio/etc/rucio.cfg"]
        return candidates.first(where: fileExists).map(URL.init(fileURLWithPath:))
    }

    /// A configuration from the user's `rucio.cfg` (`file`, or the usual locations) and the environment the
    /// Rucio client honours (`RUCIO_ACCOUNT`, `RUCIO_VO`, `RUCIO_AUTH_TYPE`, `RUCIO_CLIENT_CERT/KEY/PROXY`,
    /// `X509_USER_PROXY`, `X509_CERT_DIR`, `BEARER_TOKEN`, `BEARER_TOKEN_FILE`, `XDG_RUNTIME_DIR`).
    /// Fields the sciencefs config sets afterwards override these.
    ///
    /// Throws `.invalidArgument` naming what is missing (no file, no `rucio_host`, no credentials for the
    /// auth type, an auth type a daemon cannot use such as interactive OIDC, gss or ssh).
    public static func fromRucioConfig(name: String = "rucio", file: URL? = nil,
                                       environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RucioConfiguration {
        guard let location = file ?? rucioConfigLocation(environment: environment) else {
            throw FSError.invalidArgument("no rucio.cfg found (set RUCIO_CONFIG or RUCIO_HOME, or configure the source in sciencefs)")
        }
        let ini: INIFile
        do {
            ini = try INIFile(contentsOf: location)
        } catch {
            throw FSError.invalidArgument("cannot read \(location.path): \(error.localizedDescription)")
        }
        return try fromRucioConfig(name: name, ini: ini, origin: location.path, environment: environment)
    }

    /// The same from an already parsed file (`origin` names it in error messages).
    public static func fromRucioConfig(name: String = "rucio", ini: INIFile, origin: String,
                                       environment: [String: String]) throws -> RucioConfiguration {
        func client(_ key: String) -> String? { ini.value("client", key) }
        func env(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }

        guard let host = client("rucio_host") else {
            throw FSError.invalidArgument("\(origin): [client] rucio_host is missing")
        }
        let authType = (env("RUCIO_AUTH_TYPE") ?? client("auth_type") ?? "userpass").lowercased()
        let credentials = try credentials(authType: authType, client: client, env: env, origin: origin)
        let caCert = env("X509_CERT_DIR") ?? client("ca_cert")
        return RucioConfiguration(name: name, rucioHost: host, authHost: client("auth_host") ?? host,
                                  account: env("RUCIO_ACCOUNT") ?? client("account"),
                                  vo: env("RUCIO_VO") ?? client("vo") ?? "def",
                                  credentials: credentials, caCertPath: caCert)
    }

    private static func credentials(authType: String, client: (String) -> String?, env: (String) -> String?,
                                    origin: String) throws -> RucioCredentials {
        switch authType {
        case "userpass":
            guard let username = client("username"), let password = client("password") else {
                throw FSError.invalidArgument("\(origin): auth_type userpass needs [client] username and password")
            }
            return .userpass(username: username, password: password)
        case "x509":
            guard let certificate = env("RUCIO_CLIENT_CERT") ?? client("client_cert") else {
                throw FSError.invalidArgument("\(origin): auth_type x509 needs [client] client_cert (or RUCIO_CLIENT_CERT)")
            }
            return .x509(certificate: certificate, key: env("RUCIO_CLIENT_KEY") ?? client("client_key"))
        case "x509_proxy":
            let proxy = env("RUCIO_CLIENT_PROXY") ?? client("client_x509_proxy") ?? env("X509_USER_PROXY")
                ?? "/tmp/x509up_u\(geteuid())"
            return .x509Proxy(path: proxy)
        case "oidc":
            // The Rucio client's WLCG bearer-token discovery; the interactive browser flow is not for a daemon.
            if let token = env("BEARER_TOKEN") { return .token(token.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if let file = env("BEARER_TOKEN_FILE") { return .tokenFile(file) }
            if let runtime = env("XDG_RUNTIME_DIR") {
                let path = "\(runtime)/bt_u\(geteuid())"
                if FileManager.default.fileExists(atPath: path) { return .tokenFile(path) }
            }
            throw FSError.invalidArgument("\(origin): auth_type oidc needs a ready token in BEARER_TOKEN or BEARER_TOKEN_FILE")
        default:
            throw FSError.invalidArgument("\(origin): auth_type \(authType) is not supported by sciencefs (use userpass, x509, x509_proxy or oidc with a bearer token)")
        }
    }
}
