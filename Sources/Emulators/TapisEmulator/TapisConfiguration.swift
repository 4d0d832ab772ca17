import Foundation
import Logging

extension TapisEmulator {
    /// Settings of the emulated tenant.
    public struct Configuration: Sendable {
        /// The tenant every user belongs to (`tapis/tenant_id` in tokens, `tenantId` in replies).
        public var tenantId: String
        /// username → password for the password grant.
        public var users: [String: String]
        /// Seconds an access token lives (`expires_in`). Tapis's default is 4 h; tests make it short.
        public var tokenLifetime: TimeInterval
        /// How long a transfer task stays in each of ACCEPTED and IN_PROGRESS before it completes
        /// (docs/protocols/tapis.md §6); `TapisEmulator.transferStepDelay` changes it later.
        public var transferStepDelay: TimeInterval
        /// The `version` field of every envelope.
        public var apiVersion: String
        /// Where the emulator logs (swift-log); tokens and passwords are never logged.
        public var logger: Logger

        public init(tenantId: String = "demo",
                    users: [String: String] = ["demo": "demo-password"],
                    tokenLifetime: TimeInterval = 14_400,
                    transferStepDelay: TimeInterval = 0.2,
                    apiVersion: String = "1.8.2",
                    logger: Logger = Logger(label: "sciencefs.tapis-emulator")) {
            self.tenantId = tenantId
            self.users = users
            self.tokenLifetime = tokenLifetime
            self.transferStepDelay = transferStepDelay
            self.apiVersion = apiVersion
            self.logger = logger
        }
    }
}
