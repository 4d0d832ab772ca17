import Foundation
import Logging

extension AgaveEmulator {
    /// Deployment settings of the emulated tenant. Defaults mirror the TACC tenant where Agave documents them.
    public struct Configuration: Sendable {
        /// OAuth client key/secret accepted by `POST /token` (HTTP Basic).
        public var clientKey: String
        public var clientSecret: String
        /// username → password for the password grant.
        public var users: [String: String]
        /// Seconds an access token lives (`expires_in`); Agave's default is 4 h.
        public var tokenLifetime: TimeInterval
        /// Server-side cap on `limit` for listings and system lists; larger requests are silently clamped.
        public var maxPageLimit: Int
        /// `limit` used when a request gives none.
        public var defaultPageLimit: Int
        /// Zone used for `lastModified` offsets (Agave reports server-local time, e.g. `-05:00` at TACC).
        public var timeZone: TimeZone
        /// The `version` field of every envelope.
        public var apiVersion: String
        /// How long an upload or import waits after the 202 reply before it is staged (docs/protocols/agave.md §4.4,
        /// §4.5). Short by default so tests and the demo stay fast; `imports.delay`/`uploads.delay` change it later.
        public var stagingDelay: TimeInterval
        /// Where the emulator logs (swift-log); tokens and passwords are never logged.
        public var logger: Logger

        public init(clientKey: String = "emulator-client-key",
                    clientSecret: String = "emulator-client-secret",
                    users: [String: String] = ["demo": "demo-password"],
                    tokenLifetime: TimeInterval = 14_400,
                    maxPageLimit: Int = 100,
                    defaultPageLimit: Int = 100,
                    timeZone: TimeZone = TimeZone(identifier: "America/Chicago") ?? TimeZone(secondsFromGMT: 0)!,
                    apiVersion: String = "2.2.27-r6c4b0c9",
                    stagingDelay: TimeInterval = 0.05,
                    logger: Logger = Logger(label: "sciencefs.agave-emulator")) {
            self.clientKey = clientKey
            self.clientSecret = clientSecret
            self.users = users
            self.tokenLifetime = tokenLifetime
            self.maxPageLimit = maxPageLimit
            self.defaultPageLimit = defaultPageLimit
            self.timeZone = timeZone
            self.apiVersion = apiVersion
            self.stagingDelay = stagingDelay
            self.logger = logger
        }
    }
}
