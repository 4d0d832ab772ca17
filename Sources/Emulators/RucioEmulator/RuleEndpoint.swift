import EmulatorSupport
import Foundation
import Hummingbird

/// `POST /rules/` (what `rucio add-rule` and `rucio upload` send) and `GET /rules/{id}` (docs/protocols/rucio.md
/// §6.6). Rules live in the `RuleBook`, which moves them from REPLICATING to OK over `ruleReplicationTime`.
struct RuleEndpoint {
    let state: RucioServerState

    func add(request: RucioRequest, account: String) async throws -> Response {
        let body = try await request.jsonObject()
        let dids = try JSONInput.didKeys(body["dids"])
        for key in dids where !state.catalog.exists(key) { throw RucioError.didNotFound(key.scope, key.name) }
        guard let rse = JSONInput.string(body["rse_expression"]), !rse.isEmpty else {
            throw RucioError.badRequest("rse_expression is required")
        }
        _ = try state.requireStorage(rse)
        var ids: [JSONValue] = []
        for did in dids {
            let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let files = try state.catalog.files(under: did)
            let missing = files.filter { file in
                !state.catalog.replicas(of: file.key).contains { $0.rse == rse && $0.state == .available }
            }
            state.rules.add(RuleBook.Rule(id: id, did: did, rse: rse, account: account,
                                          state: missing.isEmpty ? "OK" : "REPLICATING",
                                          readyAt: Date().addingTimeInterval(state.configuration.ruleReplicationTime),
                                          files: files.count))
            ids.append(.string(id))
        }
        return RucioReplies.json(.array(ids), status: 201)
    }

    func get(_ id: String) throws -> Response {
        guard var rule = state.rules.rule(id) else {
            throw RucioError(404, "RuleNotFound", "No replication rule found with id \(id)")
        }
        if rule.state == "REPLICATING", Date() >= rule.readyAt {
            try replicate(rule)
            rule.state = "OK"
            state.rules.update(rule)
        }
        let ok = rule.state == "OK" ? rule.files : 0
        return RucioReplies.json(.object([
            ("id", .string(rule.id)), ("scope", .string(rule.did.scope)), ("name", .string(rule.did.name)),
            ("account", .string(rule.account)), ("rse_expression", .string(rule.rse)), ("copies", .int(1)),
            ("state", .string(rule.state)), ("locks_ok_cnt", .int(Int64(ok))),
            ("locks_replicating_cnt", .int(Int64(rule.files - ok))), ("locks_stuck_cnt", .int(0)),
            ("grouping", .string("DATASET")), ("expires_at", .null), ("error", .null),
        ]))
    }

    /// Copies every file of the rule that has no AVAILABLE replica on its RSE from one that is AVAILABLE elsewhere.
    private func replicate(_ rule: RuleBook.Rule) throws {
        let target = try state.requireStorage(rule.rse)
        for file in try state.catalog.files(under: rule.did) {
            let replicas = state.catalog.replicas(of: file.key)
            if replicas.contains(where: { $0.rse == rule.rse && $0.state == .available }) { continue }
            guard let from = replicas.first(where: { $0.state == .available }), let source = state.storage(from.rse) else {
                continue
            }
            let destination = target.fileURL(scope: file.key.scope, name: file.key.name)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: destination)
            try FileManager.default.copyItem(at: source.fileURL(scope: file.key.scope, name: file.key.name), to: destination)
            if replicas.contains(where: { $0.rse == rule.rse }) {
                try state.catalog.updateReplicaState(file.key, rse: rule.rse, state: .available)
            } else {
                try state.catalog.addReplica(file.key, rse: rule.rse, state: .available)
            }
        }
    }
}
