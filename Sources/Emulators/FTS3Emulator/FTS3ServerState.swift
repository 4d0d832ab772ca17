import EmulatorSupport
import Foundation
import Logging
import SciencefsX509

/// Everything the listener's handlers share: configuration, jobs, delegations, the transfer runner, the
/// request log and the secret of the current TLS front.
final class FTS3ServerState: @unchecked Sendable {
    let configuration: FTS3Emulator.Configuration
    let logger: Logger
    let requestLog: RequestLog
    /// Scripted misbehaviour of the REST API (applied behind the TLS front, so nginx relays it).
    let faults = FaultInjector()
    let jobs: JobStore
    let delegations = DelegationStore()
    let failures: FailureRules
    let runner: TransferRunner
    /// The test CA; delegated proxies must chain to it.
    let trustedCAs: [Certificate]
    let identities: IdentityResolver
    /// The header value nginx adds to every request; nil while stopped (then every request is refused).
    let frontSecret = LockedValue<String?>(nil)

    init(configuration: FTS3Emulator.Configuration, pki: TestPKI, logger: Logger, requestLog: RequestLog,
         copier: StorageCopier) throws {
        self.configuration = configuration
        self.logger = logger
        self.requestLog = requestLog
        let jobs = JobStore(), failures = FailureRules()
        self.jobs = jobs
        self.failures = failures
        runner = TransferRunner(store: jobs, copier: copier, failures: failures,
                                transferDuration: configuration.transferDuration, logger: logger)
        trustedCAs = try Certificate.all(inPEM: String(contentsOf: pki.caCertificate, encoding: .utf8))
        identities = IdentityResolver(bearerTokens: configuration.bearerTokens, voName: configuration.voName)
    }
}
