import EmulatorSupport
import Foundation
import Hummingbird

/// The `/dids/…` routes (lib/rucio/web/rest/flaskapi/v1/dids.py).
struct DIDEndpoints {
    let state: RucioServerState
    var catalog: RucioCatalog { state.catalog }

    /// `GET /dids/{scope}/[?name=&recursive=]`: top-level DIDs of the scope (or the content of `name`), with
    /// `recursive` descending into collections; children are ordered by name.
    func scopeList(scope: String, request: RucioRequest) throws -> Response {
        let recursive = try request.queryBool("recursive", default: false)
        var rows: [JSONValue] = []
        func drill(_ parent: DIDRecord, level: Int) {
            for child in catalog.childrenByName(of: parent.key) {
                rows.append(DIDRendering.scopeListRow(child, parent: parent.key, level: level + 1, includeBytes: false))
                if child.type.isCollection, recursive { drill(child, level: level + 1) }
            }
        }
        if let name = request.queryValue("name") {
            let top = try catalog.did(DIDKey(scope: scope, name: name))
            drill(top, level: 0)
        } else {
            for top in catalog.topLevel(scope: scope) {
                rows.append(DIDRendering.scopeListRow(top, parent: nil, level: 0, includeBytes: true))
                if recursive { drill(top, level: 0) }
            }
        }
        return RucioReplies.stream(rows)
    }

    func search(scope: String, request: RucioRequest) throws -> Response {
        var legacy: [String: String] = [:]
        for (key, values) in request.query where !["type", "limit", "long", "recursive", "filters"].contains(key) {
            legacy[key] = values.last
        }
        let search = try DIDSearch.make(type: request.queryValue("type") ?? "collection",
                                        filters: request.queryValue("filters"), legacy: legacy)
        let long = try request.queryBool("long", default: false)
        var hits = catalog.dids(inScope: scope).filter(search.matches)
        let typeOrder: [RucioDIDType: Int] = [.container: 0, .dataset: 1, .file: 2]
        hits.sort { (typeOrder[$0.type] ?? 0, $0.key.name) < (typeOrder[$1.type] ?? 0, $1.key.name) }
        if let limitText = request.queryValue("limit"), let limit = Int(limitText), limit > 0 { hits = Array(hits.prefix(limit)) }
        return RucioReplies.stream(hits.map { DIDRendering.searchRow($0, long: long) })
    }

    func get(_ key: DIDKey, request: RucioRequest) throws -> Response {
        let did = try catalog.did(key)
        var resolved: (bytes: Int64, length: Int64)?
        if let depth = request.queryValue("dynamic_depth")?.uppercased(), depth == "FILE" || depth == "DATASET", did.type.isCollection {
            resolved = try catalog.resolvedSize(of: key)
        } else if let depth = request.queryValue("dynamic_depth"), !["FILE", "DATASET"].contains(depth.uppercased()) {
            throw RucioError.badRequest("dynamic_depth must be FILE or DATASET, not '\(depth)'")
        }
        return RucioReplies.json(DIDRendering.get(did, resolved: resolved))
    }

    /// `POST /dids/{scope}/{name}`: a new dataset or container, optionally with metadata, status and content.
    func add(_ key: DIDKey, request: RucioRequest, account: String) async throws -> Response {
        let body = try await request.jsonObject()
        guard let typeText = body["type"] as? String else { throw RucioError(400, "ValueError", "Invalid type") }
        guard let type = RucioDIDType(rawValue: typeText.uppercased()) else {
            throw RucioError(400, "ValueError", "Invalid type \(typeText)")
        }
        try state.checkCanWrite(scope: key.scope, account: account)
        let meta = ((body["meta"] as? [String: Any]) ?? [:]).mapValues(JSONInput.jsonValue)
        let statuses = body["statuses"] as? [String: Any] ?? [:]
        try catalog.addCollection(key, type: type, account: account, meta: meta)
        if body["dids"] != nil {
            let children = try JSONInput.didKeys(body["dids"])
            if !children.isEmpty { try catalog.attach(children, to: key) }
        }
        if let open = statuses["open"], !JSONInput.bool(open, default: true) { try catalog.setOpen(key, open: false) }
        return RucioReplies.created
    }

    func content(_ key: DIDKey) throws -> Response {
        RucioReplies.stream(try catalog.content(of: key).map(DIDRendering.contentRow))
    }

    func attach(_ key: DIDKey, request: RucioRequest, account: String) async throws -> Response {
        let body = try await request.jsonObject()
        let children = try JSONInput.didKeys(body["dids"])
        try state.checkCanWrite(scope: key.scope, account: account)
        try catalog.attach(children, to: key)
        return RucioReplies.created
    }

    func files(_ key: DIDKey, request: RucioRequest) throws -> Response {
        let long = try request.queryBool("long", default: false)
        return RucioReplies.stream(try catalog.files(under: key).map { DIDRendering.fileRow($0, long: long) })
    }

    func parents(_ key: DIDKey) throws -> Response {
        RucioReplies.stream(try catalog.parents(of: key).map(DIDRendering.parentRow))
    }

    func meta(_ key: DIDKey, request: RucioRequest) throws -> Response {
        let plugin = request.queryValue("plugin") ?? "DID_COLUMN"
        guard ["DID_COLUMN", "JSON", "ALL"].contains(plugin.uppercased()) else {
            throw RucioError(400, "ValueError", "Metadata plugin '\(plugin)' is not known")
        }
        return RucioReplies.json(DIDRendering.meta(try catalog.did(key), plugin: plugin))
    }

    /// `POST …/meta` (`{"meta":{…}}`) or `POST …/meta/{key}` (`{"value":…}`).
    func setMeta(_ key: DIDKey, metaKey: String?, request: RucioRequest, account: String) async throws -> Response {
        let body = try await request.jsonObject()
        try state.checkCanWrite(scope: key.scope, account: account)
        let values: [String: JSONValue]
        if let metaKey {
            guard let value = body["value"] else { throw RucioError(400, "KeyError", "'value' not defined") }
            values = [metaKey: JSONInput.jsonValue(value)]
        } else {
            guard let meta = body["meta"] as? [String: Any] else { throw RucioError(400, "KeyError", "'meta' not defined") }
            values = meta.mapValues(JSONInput.jsonValue)
        }
        try catalog.setMeta(key, values: values)
        return RucioReplies.created
    }

    /// `PUT …/status` with `{"open": false}` closes a collection.
    func setStatus(_ key: DIDKey, request: RucioRequest, account: String) async throws -> Response {
        let body = try await request.jsonObject()
        try state.checkCanWrite(scope: key.scope, account: account)
        if let open = body["open"] { try catalog.setOpen(key, open: JSONInput.bool(open, default: true)) }
        else { _ = try catalog.did(key) }
        return RucioReplies.ok
    }
}
