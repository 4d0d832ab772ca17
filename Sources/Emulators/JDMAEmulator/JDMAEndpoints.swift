import EmulatorSupport
import Foundation
import Hummingbird

/// The handlers of `views.py`, one per route and method. Each runs with the state lock held.
struct JDMAEndpoints {
    let state: JDMAServerState
    let query: [String: String]
    /// The parsed JSON body (POST/PUT), empty when absent.
    let body: [String: Any]

    // MARK: api/v1/user

    func getUser() throws -> JSONValue {
        let user = try state.requireUser(query["name"])
        return .object([("name", .string(user.name)), ("email", .string(user.email)), ("notify", .bool(user.notify))])
    }

    func createUser() throws -> JSONValue {
        guard let name = body["name"] as? String, !name.isEmpty else { throw JDMAError("No name supplied") }
        guard state.users[name] == nil else {
            throw JDMAError.forbidden("User already initialised: \(name)", echo: [("name", .string(name))])
        }
        guard let email = body["email"] as? String else { throw JDMAError("No email supplied", echo: [("name", .string(name))]) }
        state.users[name] = JDMAUser(name: name, email: email, notify: true)
        return .object([("name", .string(name)), ("email", .string(email))])
    }

    func updateUser() throws -> JSONValue {
        var user = try state.requireUser(query["name"] ?? body["name"] as? String)
        if let email = body["email"] as? String { user.email = email }
        if let notify = body["notify"] as? Bool { user.notify = notify }
        state.users[user.name] = user
        return .object([("name", .string(user.name)), ("email", .string(user.email)), ("notify", .bool(user.notify))])
    }

    // MARK: api/v1/list_backends/

    func listBackends() -> JSONValue {
        .object(state.storageBackends.map { ($0.id, .string($0.name)) })
    }

    // MARK: api/v1/migration/

    func getBatches() throws -> JSONValue {
        let user = try state.requireUser(query["name"])
        if let id = try intQuery("migration_id") {
            return JDMARendering.batch(try state.visibleBatch(user: user.name, id: id))
        }
        let batches = try state.visibleBatches(user: user.name, workspace: query["workspace"], label: query["label"],
                                               filter: query["filter"])
        return .object([("migrations", .array(batches.map(JDMARendering.batch)))])
    }

    func modifyBatch() throws -> JSONValue {
        let user = try state.requireUser(query["name"])
        try state.modifyLabel(user: user.name, batchID: try intQuery("migration_id"), label: body["label"] as? String)
        return .object([("label", .string(body["label"] as? String ?? ""))])
    }

    // MARK: api/v1/file/ and api/v1/archive/

    func listArchives(withFiles: Bool) throws -> JSONValue {
        let user = try state.requireUser(query["name"])
        let limit = try intQuery("limit") ?? 0
        let batches: [JDMABatch]
        if let id = try intQuery("migration_id") {
            batches = [try state.visibleBatch(user: user.name, id: id)]
        } else {
            batches = try state.visibleBatches(user: user.name, workspace: query["workspace"], label: nil, filter: query["filter"])
        }
        return .object([("migrations", .array(batches.map { JDMARendering.archives(of: $0, withFiles: withFiles, limit: limit) }))])
    }

    // MARK: api/v1/request

    func getRequests() throws -> JSONValue {
        let user = try state.requireUser(query["name"])
        if let id = try intQuery("request_id") {
            guard let request = state.requests[id], request.user == user.name
                    || state.batches[request.batchID].map({ state.isMember(user.name, of: $0.workspace) }) == true else {
                throw JDMAError("Request not found: \(id)", echo: [("request_id", .int(Int64(id)))])
            }
            return JDMARendering.request(request, batch: state.batches[request.batchID], single: true)
        }
        let workspace = query["workspace"]
        if query["filter"] == "workspace", workspace == nil { throw JDMAError("No workspace supplied for filter=workspace") }
        let listed = state.requests.values.filter { request in
            let batch = state.batches[request.batchID]
            let inWorkspace = workspace == nil || batch?.workspace == workspace
            let visible = query["filter"] == "workspace" ? state.isMember(user.name, of: workspace ?? "") : request.user == user.name
            return inWorkspace && visible
        }.sorted { $0.id < $1.id }
        return .object([("requests", .array(listed.map { JDMARendering.request($0, batch: state.batches[$0.batchID], single: false) }))])
    }

    func postRequest() throws -> JSONValue {
        let user = try state.requireUser(body["name"] as? String)
        guard let typeName = body["request_type"] as? String else { throw JDMAError("No request type supplied") }
        guard let type = JDMARequestType(wireName: typeName) else { throw JDMAError("Invalid request method: \(typeName)") }
        let base: [(String, JSONValue)] = [("name", .string(user.name)), ("request_type", .int(Int64(type.rawValue)))]
        switch type {
        case .put, .migrate:
            guard let filelist = body["filelist"] as? [String] else { throw JDMAError("No directory path or filelist supplied") }
            let (request, batch) = try state.submitPut(user: user.name, workspace: body["workspace"] as? String,
                                                       filelist: filelist, label: body["label"] as? String,
                                                       storage: body["storage"] as? String, type: type)
            return .object(base + [
                ("workspace", .string(batch.workspace)), ("filelist", .array(filelist.map(JSONValue.string))),
                ("label", .string(batch.label)), ("storage", .string(batch.storage)), ("credentials", .object([])),
                ("request_id", .int(Int64(request.id))), ("batch_id", .int(Int64(batch.id))),
                ("stage", .int(Int64(request.stage.rawValue))), ("registered_date", .string(JDMARendering.date(request.date))),
            ])
        case .get:
            let (request, batch) = try state.submitGet(user: user.name, batchID: intBody("migration_id"),
                                                       filelist: body["filelist"] as? [String],
                                                       targetPath: body["target_path"] as? String)
            return .object(base + [
                ("migration_id", .int(Int64(batch.id))), ("target_path", .string(request.targetPath ?? "")),
                ("credentials", .object([])), ("filelist", .array(request.filelist.map(JSONValue.string))),
                ("request_id", .int(Int64(request.id))), ("batch_id", .int(Int64(batch.id))),
                ("workspace", .string(batch.workspace)), ("storage", .string(batch.storage)),
                ("stage", .int(Int64(request.stage.rawValue))), ("registered_date", .string(JDMARendering.date(request.date))),
                ("label", .string(batch.label)),
            ])
        case .delete:
            let (request, batch) = try state.submitDelete(user: user.name, batchID: intBody("migration_id"))
            return .object(base + [
                ("migration_id", .int(Int64(batch.id))), ("storage", .string(batch.storage)), ("credentials", .object([])),
                ("request_id", .int(Int64(request.id))), ("batch_id", .int(Int64(batch.id))),
                ("workspace", .string(batch.workspace)), ("stage", .int(Int64(request.stage.rawValue))),
                ("registered_date", .string(JDMARendering.date(request.date))), ("label", .string(batch.label)),
            ])
        }
    }

    // MARK: Parameters

    private func intQuery(_ key: String) throws -> Int? {
        guard let text = query[key], !text.isEmpty else { return nil }
        guard let value = Int(text) else { throw JDMAError("Invalid \(key): \(text)") }
        return value
    }

    /// Ids in bodies arrive as JSON numbers from the client, but strings of digits are accepted too.
    private func intBody(_ key: String) -> Int? {
        if let number = body[key] as? Int { return number }
        if let text = body[key] as? String { return Int(text) }
        return nil
    }
}
