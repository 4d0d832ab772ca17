import EmulatorSupport
import Foundation
import Logging

/// Everything the API and storage listeners share: configuration, catalog, tokens, storages and test hooks.
final class RucioServerState: @unchecked Sendable {
    let configuration: RucioEmulator.Configuration
    let catalog = RucioCatalog()
    let tokens: RucioTokens
    let requestLog = RequestLog()
    let faults = FaultInjector()
    let rules = RuleBook()
    /// In configuration order (the order replicas are listed in).
    let storages: [RSEStorage]

    init(stateDirectory: URL, configuration: RucioEmulator.Configuration) throws {
        self.configuration = configuration
        tokens = RucioTokens(lifetime: configuration.tokenLifetime)
        var seen = Set<String>()
        storages = try configuration.rses.map { rse in
            guard seen.insert(rse.name).inserted else { throw RucioEmulator.EmulatorError.duplicateRSE(rse.name) }
            return try RSEStorage(configuration: rse, stateDirectory: stateDirectory)
        }
    }

    var logger: Logger { configuration.logger }

    func storage(_ rse: String) -> RSEStorage? { storages.first { $0.name == rse } }

    func requireStorage(_ rse: String) throws -> RSEStorage {
        guard let storage = storage(rse) else { throw RucioError.rseNotFound(rse) }
        return storage
    }

    /// The real server lets an account write into scopes it owns; `root` may write anywhere.
    func checkCanWrite(scope: String, account: String) throws {
        guard catalog.hasScope(scope) else { throw RucioError.scopeNotFound(scope) }
        guard account == "root" || catalog.scopes(ownedBy: account).contains(scope) else {
            throw RucioError(401, "AccessDenied", "Account \(account) can not add data identifiers to scope \(scope)")
        }
    }
}
