import Foundation
import Logging

/// Everything the server knows, behind one lock: users, workspaces, batches, requests and the batch store.
/// File copies for PUT/GET run while the lock is held; the emulator's files are small and this keeps every
/// transition atomic with respect to the API.
final class JDMAServerState: @unchecked Sendable {
    let requestLog = RequestLog()
    let faults = FaultInjector()
    let logger: Logger
    let store: JDMABatchStore
    let storageBackends: [(id: String, name: String)]

    let lock = NSLock()
    var users: [String: JDMAUser] = [:]
    var workspaces: [String: JDMAWorkspace] = [:]
    var batches: [Int: JDMABatch] = [:]
    var requests: [Int: JDMARequest] = [:]
    var tapeDelay: TimeInterval?
    private var nextID = [String: Int]()

    init(stateDirectory: URL, configuration: JDMAEmulator.Configuration) throws {
        logger = configuration.logger
        store = try JDMABatchStore(stateDirectory: stateDirectory)
        storageBackends = configuration.storageBackends
        tapeDelay = configuration.tapeDelay
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Ids start at 1 per kind (`batch`, `request`, `file`, `archive`), as database primary keys do.
    func makeID(_ kind: String) -> Int {
        let id = (nextID[kind] ?? 0) + 1
        nextID[kind] = id
        return id
    }

    func dueDate(from start: Date) -> Date? {
        tapeDelay.map { start.addingTimeInterval(max(0, $0)) }
    }

    // MARK: Lookups (call with the lock held)

    func requireUser(_ name: String?) throws -> JDMAUser {
        guard let name, !name.isEmpty else { throw JDMAError("No name supplied") }
        guard let user = users[name] else {
            throw JDMAError.forbidden("User not initialised yet: \(name)", echo: [("name", .string(name))])
        }
        return user
    }

    func isMember(_ user: String, of workspace: String) -> Bool {
        workspaces[workspace]?.members.contains(user) ?? false
    }

    /// Batches visible to `user`: by default those in every workspace the user belongs to; `filter=user` keeps the
    /// user's own, `filter=workspace` (or a `workspace` argument) one workspace's.
    func visibleBatches(user: String, workspace: String?, label: String?, filter: String?) throws -> [JDMABatch] {
        if filter == "workspace", workspace == nil { throw JDMAError("No workspace supplied for filter=workspace") }
        if let workspace, workspaces[workspace] == nil {
            throw JDMAError("Workspace not found: \(workspace)", echo: [("workspace", .string(workspace))])
        }
        return batches.values
            .filter { batch in
                (workspace == nil || batch.workspace == workspace)
                    && (label == nil || batch.label == label)
                    && (filter == "user" ? batch.user == user : (batch.user == user || isMember(user, of: batch.workspace)))
            }
            .sorted { $0.id < $1.id }
    }

    func visibleBatch(user: String, id: Int) throws -> JDMABatch {
        guard let batch = batches[id], batch.user == user || isMember(user, of: batch.workspace) else {
            throw JDMAError("Batch not found: \(id)", echo: [("migration_id", .int(Int64(id)))])
        }
        return batch
    }
}
