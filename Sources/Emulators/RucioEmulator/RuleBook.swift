import Foundation

/// The emulator's replication rules. It has no transfer daemons: a rule whose files all have an AVAILABLE replica
/// on its RSE is OK at once; otherwise it is REPLICATING until `replicationTime` has passed, and the first look at
/// it after that copies each missing file from one of its replicas to the RSE's storage, registers the replica
/// AVAILABLE and makes the rule OK (docs/protocols/rucio.md §6.6). Thread-safe: `lock` guards `rules`.
final class RuleBook: @unchecked Sendable {
    struct Rule: Sendable {
        var id: String
        var did: DIDKey
        var rse: String
        var account: String
        var state: String
        var readyAt: Date
        var files: Int
    }

    private let lock = NSLock()
    private var rules: [String: Rule] = [:]

    func add(_ rule: Rule) { lock.withLock { rules[rule.id] = rule } }

    func rule(_ id: String) -> Rule? { lock.withLock { rules[id] } }

    func update(_ rule: Rule) { lock.withLock { rules[rule.id] = rule } }

    func rules(of did: DIDKey) -> [Rule] { lock.withLock { rules.values.filter { $0.did == did } } }
}
