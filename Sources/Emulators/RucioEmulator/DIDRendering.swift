import EmulatorSupport
import Foundation

/// The JSON shapes the real server gives DIDs on each endpoint (lib/rucio/core/did.py), in one place.
enum DIDRendering {
    static func optional(_ value: Int64?) -> JSONValue { value.map(JSONValue.int) ?? .null }
    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// `GET /dids/{scope}/{name}`; `resolved` replaces bytes/length for `dynamic_depth`.
    static func get(_ did: DIDRecord, resolved: (bytes: Int64, length: Int64)? = nil) -> JSONValue {
        let bytes = resolved?.bytes ?? did.bytes
        if did.type == .file {
            return .object([("scope", .string(did.key.scope)), ("name", .string(did.key.name)), ("type", "FILE"),
                            ("account", .string(did.account)), ("bytes", optional(bytes)), ("length", 1),
                            ("md5", optional(did.md5)), ("adler32", optional(did.adler32))])
        }
        return .object([("scope", .string(did.key.scope)), ("name", .string(did.key.name)),
                        ("type", .string(did.type.rawValue)), ("account", .string(did.account)),
                        ("open", .bool(did.isOpen)), ("monotonic", false), ("expired_at", .null),
                        ("length", optional(resolved?.length ?? did.length)), ("bytes", optional(bytes))])
    }

    /// A row of `GET /dids/{scope}/` (`scope_list`).
    static func scopeListRow(_ did: DIDRecord, parent: DIDKey?, level: Int, includeBytes: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("scope", .string(did.key.scope)), ("name", .string(did.key.name)), ("type", .string(did.type.rawValue)),
            ("parent", parent.map { .object([("scope", .string($0.scope)), ("name", .string($0.name))]) } ?? .null),
            ("level", .int(Int64(level))),
        ]
        if includeBytes { members.append(("bytes", did.type == .file ? optional(did.bytes) : .null)) }
        return .object(members)
    }

    /// A row of `GET /dids/{scope}/{name}/dids` (`list_content`).
    static func contentRow(_ did: DIDRecord) -> JSONValue {
        .object([("scope", .string(did.key.scope)), ("name", .string(did.key.name)), ("type", .string(did.type.rawValue)),
                 ("bytes", optional(did.bytes)), ("adler32", optional(did.adler32)), ("md5", optional(did.md5))])
    }

    /// A row of `GET /dids/{scope}/{name}/files`.
    static func fileRow(_ did: DIDRecord, long: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("scope", .string(did.key.scope)), ("name", .string(did.key.name)), ("bytes", optional(did.bytes)),
            ("adler32", optional(did.adler32)), ("guid", guid(did)), ("events", did.meta["events"] ?? .null),
        ]
        if long { members.append(("lumiblocknr", did.meta["lumiblocknr"] ?? .null)) }
        return .object(members)
    }

    static func parentRow(_ did: DIDRecord) -> JSONValue {
        .object([("scope", .string(did.key.scope)), ("name", .string(did.key.name)), ("type", .string(did.type.rawValue))])
    }

    /// A search hit: the bare name, or with `long=True` `{scope,name,did_type,bytes,length}`.
    static func searchRow(_ did: DIDRecord, long: Bool) -> JSONValue {
        guard long else { return .string(did.key.name) }
        return .object([("scope", .string(did.key.scope)), ("name", .string(did.key.name)),
                        ("did_type", .string(did.type.rawValue)), ("bytes", optional(did.bytes)),
                        ("length", optional(did.length))])
    }

    /// `GET …/meta?plugin=DID_COLUMN|JSON|ALL`.
    static func meta(_ did: DIDRecord, plugin: String) -> JSONValue {
        let columns = columnMeta(did)
        let custom = did.meta.filter { !DIDColumns.settable.contains($0.key) }.sorted { $0.key < $1.key }
            .map { ($0.key, $0.value) }
        switch plugin.uppercased() {
        case "JSON": return .object(custom)
        case "ALL": return .object(columns + custom)
        default: return .object(columns)
        }
    }

    private static func columnMeta(_ did: DIDRecord) -> [(String, JSONValue)] {
        let date = { (d: Date?) -> JSONValue in d.map { .string(RucioDate.format($0)) } ?? .null }
        var members: [(String, JSONValue)] = [
            ("scope", .string(did.key.scope)), ("name", .string(did.key.name)), ("account", .string(did.account)),
            ("did_type", .string(did.type.rawValue)), ("is_open", did.type == .file ? .null : .bool(did.isOpen)),
            ("monotonic", false), ("hidden", false), ("obsolete", false), ("complete", did.type == .file ? .null : true),
            ("is_new", true), ("availability", "AVAILABLE"), ("suppressed", false),
            ("bytes", optional(did.bytes)), ("length", optional(did.length)), ("md5", optional(did.md5)),
            ("adler32", optional(did.adler32)), ("expired_at", .null), ("purge_replicas", true), ("deleted_at", .null),
        ]
        for key in DIDColumns.settable where key != "guid" {
            members.append((key, did.meta[key] ?? .null))
        }
        // The real /meta reports the guid in lower case (upper case only in /files).
        if case .string(let g)? = did.meta["guid"] { members.append(("guid", .string(g.lowercased()))) } else { members.append(("guid", .null)) }
        members += [("created_at", date(did.createdAt)), ("updated_at", date(did.updatedAt)),
                    ("accessed_at", .null), ("closed_at", date(did.closedAt)), ("eol_at", .null)]
        return members
    }

    private static func guid(_ did: DIDRecord) -> JSONValue {
        if case .string(let g)? = did.meta["guid"] { return .string(g.uppercased()) }
        return .null
    }
}
