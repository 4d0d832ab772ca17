import EmulatorSupport
import Foundation
import Hummingbird

/// `/replicas…` (lib/rucio/web/rest/flaskapi/v1/replicas.py, record shape from core/replica.py).
struct ReplicaEndpoints {
    let state: RucioServerState
    var catalog: RucioCatalog { state.catalog }

    struct ListOptions {
        var schemes: [String]?
        var rses: Set<String>?
        var allStates = false
        var resolveParents = false
        var limit: Int?
    }

    /// `POST /replicas/list`. Collections expand to their files; unknown DIDs are skipped, but if none is known
    /// the reply is 400 `DataIdentifierNotFound`, as the real server does.
    func list(request: RucioRequest) async throws -> Response {
        let body = try await request.jsonObject()
        let dids = try JSONInput.didKeys(body["dids"] ?? [Any]())
        var options = ListOptions()
        options.schemes = (body["schemes"] as? [Any])?.compactMap { $0 as? String }
        options.rses = (body["rse_expression"] as? String).map(Self.rses(inExpression:))
        options.allStates = JSONInput.bool(body["all_states"], default: false)
        options.resolveParents = JSONInput.bool(body["resolve_parents"], default: false)
        options.limit = request.queryValue("limit").flatMap(Int.init)
        let files = try expand(dids)
        guard !files.isEmpty || dids.contains(where: catalog.exists) else {
            throw RucioError(400, "DataIdentifierNotFound", "No Data Identifiers found")
        }
        return RucioReplies.stream(files.map { record($0, options: options) })
    }

    /// `GET /replicas/{scope}/{name}[?schemes=a,b&limit=]`.
    func get(_ key: DIDKey, request: RucioRequest) throws -> Response {
        guard catalog.exists(key) else {
            throw RucioError.didNotFound(key.scope, key.name)
        }
        var options = ListOptions()
        options.schemes = request.queryValue("schemes").map { $0.split(separator: ",").map(String.init) }
        options.limit = request.queryValue("limit").flatMap(Int.init)
        return RucioReplies.stream(try expand([key]).map { record($0, options: options) })
    }

    /// `POST /replicas`: registers the file DIDs that are new and a replica of each on `rse` (state `A` unless
    /// given, e.g. `C` while an upload is in flight).
    func add(request: RucioRequest, account: String) async throws -> Response {
        let body = try await request.jsonObject()
        guard let rse = body["rse"] as? String else { throw RucioError(400, "KeyError", "'rse' not defined") }
        _ = try state.requireStorage(rse)
        guard let files = body["files"] as? [[String: Any]] else { throw RucioError(400, "KeyError", "'files' not defined") }
        for file in files {
            guard let scope = file["scope"] as? String, let name = file["name"] as? String,
                  let bytes = JSONInput.int64(file["bytes"]) else {
                throw RucioError(400, "InvalidObject", "Each file needs scope, name and bytes")
            }
            guard let adler32 = file["adler32"] as? String else {
                throw RucioError(400, "InvalidObject", "Problem validating file: adler32 is mandatory")
            }
            let key = DIDKey(scope: scope, name: name)
            try state.checkCanWrite(scope: scope, account: account)
            let stateText = (file["state"] as? String) ?? "A"
            guard let replicaState = ReplicaState(code: stateText) else { throw RucioError.badRequest("Invalid state \(stateText)") }
            let meta = ((file["meta"] as? [String: Any]) ?? [:]).mapValues(JSONInput.jsonValue)
            try catalog.registerFile(key, bytes: bytes, adler32: adler32, md5: file["md5"] as? String, account: account, meta: meta)
            try catalog.addReplica(key, rse: rse, state: replicaState)
        }
        return RucioReplies.created
    }

    /// `PUT /replicas`: state changes (`{"rse","files":[{"scope","name","state"}]}`).
    func update(request: RucioRequest, account: String) async throws -> Response {
        let body = try await request.jsonObject()
        guard let rse = body["rse"] as? String, let files = body["files"] as? [[String: Any]] else {
            throw RucioError(400, "ValueError", "'rse' and 'files' are required")
        }
        _ = try state.requireStorage(rse)
        for file in files {
            guard let scope = file["scope"] as? String, let name = file["name"] as? String,
                  let stateText = file["state"] as? String, let replicaState = ReplicaState(code: stateText) else {
                throw RucioError(400, "ValueError", "Each file needs scope, name and a valid state")
            }
            try state.checkCanWrite(scope: scope, account: account)
            try catalog.updateReplicaState(DIDKey(scope: scope, name: name), rse: rse, state: replicaState)
        }
        return RucioReplies.ok
    }

    // MARK: Building records

    private func expand(_ dids: [DIDKey]) throws -> [DIDRecord] {
        var seen = Set<DIDKey>()
        var out: [DIDRecord] = []
        for key in dids where catalog.exists(key) {
            for file in try catalog.files(under: key) where seen.insert(file.key).inserted { out.append(file) }
        }
        return out
    }

    /// One file's record: PFNs on every RSE holding a replica (AVAILABLE only unless `all_states`), ranked by
    /// the RSE order of the configuration (`priority` 1-based, all `wan`).
    private func record(_ file: DIDRecord, options: ListOptions) -> JSONValue {
        let order = Dictionary(uniqueKeysWithValues: state.storages.enumerated().map { ($1.name, $0) })
        let replicas = catalog.replicas(of: file.key)
            .filter { options.allStates || $0.state == .available }
            .filter { options.rses?.contains($0.rse) ?? true }
            .sorted { (order[$0.rse] ?? .max) < (order[$1.rse] ?? .max) }
        var rses: [(String, JSONValue)] = []
        var pfns: [(String, JSONValue)] = []
        var states: [(String, JSONValue)] = []
        for replica in replicas {
            guard let storage = state.storage(replica.rse) else { continue }
            if let schemes = options.schemes, !schemes.contains(storage.configuration.scheme) { continue }
            if let limit = options.limit, pfns.count >= limit { break }
            let pfn = storage.pfn(scope: file.key.scope, name: file.key.name)
            rses.append((storage.name, .array([.string(pfn)])))
            pfns.append((pfn, .object([("rse_id", .string(storage.id)), ("rse", .string(storage.name)),
                                       ("type", .string(storage.configuration.rseType)), ("volatile", false),
                                       ("domain", "wan"), ("priority", .int(Int64(pfns.count + 1))),
                                       ("client_extract", false)])))
            states.append((storage.name, .string(replica.state.rawValue)))
        }
        var members: [(String, JSONValue)] = [
            ("scope", .string(file.key.scope)), ("name", .string(file.key.name)), ("bytes", DIDRendering.optional(file.bytes)),
            ("md5", DIDRendering.optional(file.md5)), ("adler32", DIDRendering.optional(file.adler32)),
            ("pfns", .object(pfns)), ("rses", .object(rses)),
        ]
        if !replicas.isEmpty { members.append(("states", .object(states))) }
        if options.resolveParents {
            let parents = (try? catalog.parents(of: file.key)) ?? []
            members.append(("parents", .array(parents.map { .string($0.key.text) })))
        }
        return .object(members)
    }

    /// The emulator understands RSE expressions that are one RSE name or a union `A|B`.
    static func rses(inExpression expression: String) -> Set<String> {
        Set(expression.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) })
    }
}
