import CLISupport
import Foundation
import TOMLKit

/// The config file (`~/.config/sciencefs/config.toml` by default), as typed values. docs/CONFIGURATION.md documents
/// every key.
struct MountConfiguration: Decodable {
    var cacheDir: String?
    var dataCacheSizeMB: Int?
    /// MiB of background readahead in flight at once across all open files (default 256; 0 turns it off).
    var readaheadBudgetMB: Int?
    var entryTimeout: Seconds?
    var attrTimeout: Seconds?
    /// The FTS3 server that makes copies between sources server-side (`[fts3]`); none = such copies stream.
    var fts3: FTS3Section?
    var sources: [String: SourceConfiguration]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case cacheDir = "cache_dir"
        case dataCacheSizeMB = "data_cache_size_mb"
        case readaheadBudgetMB = "readahead_budget_mb"
        case entryTimeout = "entry_timeout"
        case attrTimeout = "attr_timeout"
        case fts3
        case sources
    }

    /// `$XDG_CONFIG_HOME/sciencefs/config.toml`, else `$HOME/.config/sciencefs/config.toml` (see `UserDirectories`).
    static var defaultPath: URL { UserDirectories.current.configFile }

    static func load(from url: URL) throws -> MountConfiguration {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigurationError("cannot read config file \(url.path): \(error.localizedDescription)")
        }
        return try parse(text, origin: url.path)
    }

    /// The config in `text`; `origin` names it in error messages.
    static func parse(_ text: String, origin: String) throws -> MountConfiguration {
        let config: MountConfiguration
        do { try TOMLShapeCheck.check(text) } catch {
            throw ConfigurationError("config file \(origin) is not valid: \(error)")
        }
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch {
            throw ConfigurationError("config file \(origin) is not valid: \(error)")
        }
        try ConfigKeyCheck.check(table, origin: origin)
        do { config = try TOMLDecoder().decode(MountConfiguration.self, from: table) } catch {
            throw ConfigurationError("config file \(origin) is not valid: \(error)")
        }
        if let budget = config.readaheadBudgetMB, budget < 0 || budget > 1 << 20 {
            throw ConfigurationError("config file \(origin): readahead_budget_mb must be between 0 and \(1 << 20) (it is \(budget))")
        }
        guard !config.sources.isEmpty else { throw ConfigurationError("config file \(origin) names no [sources.NAME]") }
        for (name, source) in config.sources {
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                throw ConfigurationError("source name \"\(name)\" cannot be a directory name")
            }
            guard SourceType(rawValue: source.type) != nil else {
                throw ConfigurationError("source \(name): unknown type \"\(source.type)\" (known: \(SourceType.known))")
            }
        }
        _ = try OfflineAndProxySettings.offlineModes(config.sources)
        return config
    }

    /// Where metadata and cached data live: `cache_dir`, else `$XDG_CACHE_HOME/sciencefs`, else `~/.cache/sciencefs`.
    var cacheRoot: URL {
        if let cacheDir { return URL(fileURLWithPath: expandTilde(cacheDir)) }
        return Self.defaultCacheRoot
    }

    static var defaultCacheRoot: URL { UserDirectories.current.cacheRoot }
}

/// One `[sources.NAME]` table.
struct SourceConfiguration: Decodable {
    var type: String
    var baseURL: String?
    var credentialsFile: String?
    var apiKey: String?
    var apiSecret: String?
    var username: String?
    var password: String?
    /// Name of an environment variable holding the password, so the file need not.
    var passwordEnv: String?
    var verifyTLS: Bool?
    var caBundle: String?
    var pageSize: Int?
    var attributeTTL: Seconds?
    var listingTTL: Seconds?
    var negativeTTL: Seconds?
    var readOnly: Bool?
    /// Seconds a request may go without receiving a byte (a server that accepts and never answers) before the
    /// attempt is abandoned; it is then retried up to `retries` times, after which the operation fails ETIMEDOUT.
    var timeout: Seconds?
    var retries: Int?
    /// Files with published checksums up to this many MiB are fetched and verified whole before their first byte
    /// is served; larger ones are verified once fully read (default 64).
    var verifyWholeMB: Int?

    // Rucio: anything left out comes from the user's rucio.cfg.
    var rucioConfig: String?
    var rucioHost: String?
    var authHost: String?
    var account: String?
    var vo: String?
    var authType: String?
    var clientCert: String?
    var clientKey: String?
    var clientProxy: String?
    var tokenFile: String?
    /// Tapis: a file holding a refresh token (with `api_key`/`api_secret`, the OAuth client); rewritten as Tapis
    /// issues new ones.
    var refreshTokenFile: String?
    var uploadRSE: String?
    var preferredRSEs: [String]?
    /// Rucio: the RSE `sciencefs stage` asks a replication rule to when no `--to` is given.
    var stageRSE: String?
    var site: String?
    var scopes: String?
    var containerSuffix: String?
    /// Seconds a replica may send no byte before the read moves to the next replica (or fails, if none is left).
    var replicaStallTimeout: Seconds?

    // AMIE: the site's AMIE code and its API key (`api_key`, or the name of an environment variable holding it).
    var siteName: String?
    var apiKeyEnv: String?
    // JDMA: the user name JDMA knows, the workspaces to show, and a staging directory JDMA can read and write.
    var workspaces: [String]?
    var stagingDir: String?
    var storage: String?
    var readTimeout: Seconds?
    var quietPeriod: Seconds?
    var allowBatchDelete: Bool?
    /// Agave: system id → the URL FTS3 reaches that system's storage at (its root directory).
    var transferURLs: [String: String]?
    /// What the source does while its service is unreachable: "serve-stale" (default) or "fail".
    var offline: String?
    /// The site's caching HTTP proxy for data reads, and the hosts it must not be used for (docs/SITE-CACHE.md).
    var proxy: String?
    var noProxy: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type
        case baseURL = "base_url"
        case credentialsFile = "credentials_file"
        case apiKey = "api_key"
        case apiSecret = "api_secret"
        case username
        case password
        case passwordEnv = "password_env"
        case verifyTLS = "verify_tls"
        case caBundle = "ca_bundle"
        case pageSize = "page_size"
        case attributeTTL = "attribute_ttl"
        case listingTTL = "listing_ttl"
        case negativeTTL = "negative_ttl"
        case readOnly = "read_only"
        case timeout, retries
        case verifyWholeMB = "verify_whole_mb"
        case replicaStallTimeout = "replica_stall_timeout"
        case rucioConfig = "rucio_config"
        case rucioHost = "rucio_host"
        case authHost = "auth_host"
        case account
        case vo
        case authType = "auth_type"
        case clientCert = "client_cert"
        case clientKey = "client_key"
        case clientProxy = "client_x509_proxy"
        case tokenFile = "token_file"
        case refreshTokenFile = "refresh_token_file"
        case uploadRSE = "upload_rse"
        case preferredRSEs = "preferred_rses"
        case stageRSE = "stage_rse"
        case site
        case scopes = "scope_listing"
        case containerSuffix = "container_suffix"
        case siteName = "site_name"
        case apiKeyEnv = "api_key_env"
        case workspaces
        case stagingDir = "staging_dir"
        case storage
        case readTimeout = "read_timeout"
        case quietPeriod = "quiet_period"
        case allowBatchDelete = "allow_batch_delete"
        case transferURLs = "transfer_urls"
        case offline, proxy
        case noProxy = "no_proxy"
    }
}

struct ConfigurationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A path from the command line or the config file with `~` expanded against `$HOME` (see `UserDirectories`).
func expandTilde(_ path: String) -> String { UserDirectories.current.expandTilde(path) }

/// A number of seconds in the config: TOML writes `60` and `60.0` differently, and both must work.
struct Seconds: Decodable {
    var value: Double

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let double = try? container.decode(Double.self) {
            value = double
        } else {
            value = Double(try container.decode(Int.self))
        }
    }
}
