import Foundation

/// What the user's own Tapis tools already hold, read when the sciencefs config leaves it out
/// (docs/sources/tapis.md, "Credentials"):
/// - `_abaco_api_server` and `_abaco_access_token`, the environment tapipy's `actors.get_client()` builds its client
///   from inside a Tapis actor: the base URL and a JWT;
/// - the TapisV3 CLI's settings file `~/tapis/v3/configs/config.json` (INI text despite its name): `base_url` from
///   `[tapis.defaults]`, and `username`/`password` from `[credentials]`.
/// tapipy itself keeps no credential file: a script passes `base_url`, `username`/`password` or `jwt` to `Tapis()`.
public struct TapisUserCredentials: Equatable, Sendable {
    public var baseURL: String?
    public var username: String?
    public var password: String?
    public var accessToken: String?

    public init(baseURL: String? = nil, username: String? = nil, password: String? = nil, accessToken: String? = nil) {
        self.baseURL = baseURL
        self.username = username
        self.password = password
        self.accessToken = accessToken
    }

    public static func cliSettingsFile(home: String) -> URL {
        URL(fileURLWithPath: home).appendingPathComponent("tapis/v3/configs/config.json")
    }

    /// The environment first (an actor's own token), then the CLI file for what is still missing.
    public static func read(environment: [String: String], cliSettings: URL?) -> TapisUserCredentials {
        var found = TapisUserCredentials(baseURL: nonEmpty(environment["_abaco_api_server"]),
                                         accessToken: nonEmpty(environment["_abaco_access_token"]))
        if let cliSettings, let text = try? String(contentsOf: cliSettings, encoding: .utf8) {
            let ini = parseINI(text)
            found.baseURL = found.baseURL ?? nonEmpty(ini["tapis.defaults"]?["base_url"])
            found.username = nonEmpty(ini["credentials"]?["username"])
            found.password = nonEmpty(ini["credentials"]?["password"])
        }
        return found
    }

    /// Python `configparser` text: `[section]`, `key = value` or `key: value`, `#`/`;` comment lines.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let section = current, let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            sections[section, default: [:]][key] = value
        }
        return sections
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
