import Foundation
import Logging

extension RucioEmulator {
    /// A userpass identity that may log in to an account (`X-Rucio-Username` / `X-Rucio-Password`).
    public struct Credentials: Sendable, Equatable {
        public var username: String
        public var password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    /// One storage element. Every RSE is deterministic (`hash` lfn2pfn) and gets its own HTTP listener on
    /// 127.0.0.1; PFNs are `http://127.0.0.1:<port><prefix><path>`.
    public struct RSEConfiguration: Sendable, Equatable {
        public var name: String
        /// Path prefix of every PFN; normalised to start and end with `/`, as the Rucio client does.
        public var prefix: String
        /// Protocol scheme advertised in `GET /rses/{rse}` and PFNs. The listener itself always speaks plain HTTP.
        public var scheme: String
        /// `rse_type` (`DISK` or `TAPE`).
        public var rseType: String
        /// Listener port; 0 picks a free one on each `start()`.
        public var port: Int
        /// Extra RSE attributes for `GET /rses/{rse}/attr/` (added to the defaults the emulator always reports).
        public var attributes: [String: String]

        public init(name: String, prefix: String = "/rucio/", scheme: String = "http", rseType: String = "DISK",
                    port: Int = 0, attributes: [String: String] = [:]) {
            self.name = name
            self.prefix = RSEConfiguration.normalise(prefix: prefix)
            self.scheme = scheme
            self.rseType = rseType
            self.port = port
            self.attributes = attributes
        }

        static func normalise(prefix: String) -> String {
            var p = prefix
            if !p.hasPrefix("/") { p = "/" + p }
            if !p.hasSuffix("/") { p += "/" }
            return p
        }
    }

    /// Deployment settings of the emulated Rucio instance.
    public struct Configuration: Sendable {
        /// account → the userpass identity that may authenticate as it. Defaults: `root` (`ddmlab`/`secret`,
        /// the Rucio development default) and `alice` (`alice`/`alice-password`).
        public var accounts: [String: Credentials]
        /// Seconds a token lives; Rucio's default is one hour.
        public var tokenLifetime: TimeInterval
        /// The VO reported in tokens (`def` is Rucio's default VO).
        public var vo: String
        /// Storage elements, in the order replicas are listed.
        public var rses: [RSEConfiguration]
        /// The `version` reported by `/ping`.
        public var serverVersion: String
        /// Where the emulator logs (swift-log); tokens and passwords are never logged.
        public var logger: Logger
        /// Seconds a replication rule stays REPLICATING before its files are copied and it is OK (`RuleBook`).
        public var ruleReplicationTime: TimeInterval = 1

        public init(accounts: [String: Credentials] = [
                        "root": Credentials(username: "ddmlab", password: "secret"),
                        "alice": Credentials(username: "alice", password: "alice-password"),
                    ],
                    tokenLifetime: TimeInterval = 3600,
                    vo: String = "def",
                    rses: [RSEConfiguration] = [RSEConfiguration(name: "SITE_A", prefix: "/site_a/rucio/"),
                                                RSEConfiguration(name: "SITE_B", prefix: "/site_b/rucio/")],
                    serverVersion: String = "41.5.1",
                    logger: Logger = Logger(label: "sciencefs.rucio-emulator")) {
            self.accounts = accounts
            self.tokenLifetime = tokenLifetime
            self.vo = vo
            self.rses = rses
            self.serverVersion = serverVersion
            self.logger = logger
        }
    }
}
