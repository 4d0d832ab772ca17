import EmulatorSupport
import Foundation
import Hummingbird

/// `GET /v3/systems` and `GET /v3/systems/{systemId}` (docs/protocols/tapis.md §4).
struct SystemsEndpoint {
    let state: TapisState

    /// The attributes `select=summaryAttributes` (the list's default) returns.
    static let summaryAttributes = ["id", "systemType", "owner", "host", "effectiveUserId", "defaultAuthnMethod",
                                    "canExec", "parentId"]

    func list(query: [String: String], user: String) throws -> Response {
        let (limit, skip) = try TapisReplies.paging(query, defaultLimit: 100, offsetName: "skip")
        let all = state.systems.sorted { $0.id < $1.id }
        let page = TapisReplies.page(all, limit: limit, offset: skip)
        let select = query["select"] ?? "summaryAttributes"
        let computeTotal = query["computeTotal"]?.lowercased() == "true"
        let metadata = JSONValue.object([
            ("recordCount", .int(Int64(page.count))), ("recordLimit", .int(Int64(limit))),
            ("recordsSkipped", .int(Int64(skip))), ("orderBy", .null), ("startAfter", .null),
            ("totalCount", .int(computeTotal ? Int64(all.count) : -1)),
        ])
        return TapisReplies.success(.array(page.map { selected(object($0, user: user), select: select) }),
                                    message: "TAPIS_FOUND Systems found: \(page.count) systems", metadata: metadata,
                                    version: state.configuration.apiVersion)
    }

    func get(rawId: Substring, query: [String: String], user: String) throws -> Response {
        let id = FormEncoding.percentDecode(rawId, plusIsSpace: false) ?? String(rawId)
        guard let system = state.system(id: id) else { throw TapisError.notFound("TAPIS_NOT_FOUND System not found: \(id)") }
        return TapisReplies.success(selected(object(system, user: user), select: query["select"] ?? "allAttributes"),
                                    message: "TAPIS_FOUND System found: \(id)", version: state.configuration.apiVersion)
    }

    /// Keeps the attributes `select` names: `allAttributes`, `summaryAttributes`, or a comma-separated list.
    private func selected(_ object: [(String, JSONValue)], select: String) -> JSONValue {
        let names: Set<String>
        switch select {
        case "allAttributes": return .object(object)
        case "summaryAttributes": names = Set(Self.summaryAttributes)
        default: names = Set(select.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        return .object(object.filter { names.contains($0.0) })
    }

    private func object(_ system: TapisSystem, user: String) -> [(String, JSONValue)] {
        [
            ("tenant", .string(state.configuration.tenantId)),
            ("id", .string(system.id)),
            ("description", .string(system.description)),
            ("systemType", "LINUX"),
            ("owner", "admin"),
            ("host", .string(system.host)),
            ("enabled", true),
            ("effectiveUserId", .string(user)),
            ("defaultAuthnMethod", "PKI_KEYS"),
            ("bucketName", .null),
            ("rootDir", .string("/\(system.id)")),
            ("port", 22),
            ("useProxy", false),
            ("canExec", .bool(system.canExec)),
            ("canRunBatch", .bool(system.canExec)),
            ("parentId", .null),
            ("jobWorkingDir", system.canExec ? .string("HOST_EVAL($SCRATCH)") : .null),
            ("tags", .array([])),
            ("notes", .object([])),
            ("uuid", .string(Self.uuid(for: system.id))),
            ("deleted", false),
            ("created", .string(TapisReplies.instant(system.created))),
            ("updated", .string(TapisReplies.instant(system.created))),
        ]
    }

    /// A stable UUID-shaped id derived from the system id (so a restarted emulator reports the same one).
    private static func uuid(for id: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16).leftPadded(to: 16) + String(hash &* 31, radix: 16).leftPadded(to: 16)
        let c = Array(hex)
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-4\(String(c[13..<16]))-a\(String(c[17..<20]))-\(String(c[20..<32]))"
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
