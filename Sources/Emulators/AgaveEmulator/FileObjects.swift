import EmulatorSupport
import Foundation

/// JSON shapes of files, logical files and systems, as Agave's Java models serialize them.
struct FileObjects {
    let baseURL: String
    let timeZone: TimeZone

    func mediaHref(_ path: SystemPath) -> String {
        let encoded = FormEncoding.encodePath(path.relative)
        return "\(baseURL)/files/v2/media/system/\(FormEncoding.encodePathSegment(path.systemId))/\(encoded)"
    }

    func systemHref(_ systemId: String) -> String {
        "\(baseURL)/systems/v2/\(FormEncoding.encodePathSegment(systemId))"
    }

    /// One row of a files listing; `name` is overridden for the `.` self row.
    func listingRow(_ path: SystemPath, stat: FileStat, name: String? = nil) -> JSONValue {
        let encodedPath = FormEncoding.encodePath(path.relative)
        let systemSegment = FormEncoding.encodePathSegment(path.systemId)
        return .object([
            ("name", .string(name ?? path.name)),
            ("path", .string(path.agavePath)),
            ("lastModified", .string(WireTime.iso8601(stat.modified, zone: timeZone))),
            ("length", .int(Int64(stat.size))),
            ("permissions", .string(stat.agavePermission)),
            ("format", .string(stat.isDirectory ? "folder" : "raw")),
            ("mimeType", .string(stat.isDirectory ? MimeType.directory : MimeType.guess(forName: path.name))),
            ("type", .string(stat.isDirectory ? "dir" : "file")),
            ("system", .string(path.systemId)),
            ("_links", .object([
                ("self", .object([("href", .string(mediaHref(path)))])),
                ("system", .object([("href", .string(systemHref(path.systemId)))])),
                ("history", .object([("href", .string("\(baseURL)/files/v2/history/system/\(systemSegment)/\(encodedPath)"))])),
            ])),
        ])
    }

    /// The logical-file object returned by uploads, imports and manage actions. `status` is what Agave would
    /// report at that moment (`STAGING_QUEUED` for uploads even though the emulator finished staging already).
    func logicalFile(_ path: SystemPath, owner: String, source: String?, status: String, stat: FileStat?) -> JSONValue {
        let modified = stat?.modified ?? Date()
        return .object([
            ("name", .string(path.name)),
            ("uuid", .string(UUID().uuidString.lowercased() + "-0001-002")),
            ("owner", .string(owner)),
            ("internalUsername", .null),
            ("lastModified", .string(WireTime.iso8601(modified, zone: timeZone))),
            ("source", source.map(JSONValue.string) ?? .null),
            ("path", .string(path.agavePath)),
            ("status", .string(status)),
            ("systemId", .string(path.systemId)),
            ("nativeFormat", .string(stat?.isDirectory == true ? "dir" : "raw")),
            ("_links", .object([
                ("self", .object([("href", .string(mediaHref(path)))])),
                ("system", .object([("href", .string(systemHref(path.systemId)))])),
                ("profile", .object([("href", .string("\(baseURL)/profiles/v2/\(FormEncoding.encodePathSegment(owner))"))])),
            ])),
        ])
    }

    func systemSummary(_ system: StorageSystem) -> JSONValue {
        .object([
            ("id", .string(system.id)),
            ("name", .string(system.name)),
            ("type", "STORAGE"),
            ("description", .string(system.description)),
            ("status", "UP"),
            ("public", .bool(system.isPublic)),
            ("default", .bool(system.isDefault)),
            ("_links", .object([("self", .object([("href", .string(systemHref(system.id)))]))])),
        ])
    }

    func systemDetail(_ system: StorageSystem, rootDir: String) -> JSONValue {
        guard case .object(var members) = systemSummary(system) else { return .null }
        let links = members.removeLast()
        members += [
            ("site", "emulator.sciencefs"),
            ("revision", 1),
            ("uuid", .string(Self.stableUUID(for: system.id))),
            ("lastModified", .string(WireTime.iso8601(Date(timeIntervalSince1970: system.created / 1000), zone: timeZone))),
            ("storage", .object([
                ("host", "127.0.0.1"),
                ("port", 0),
                ("protocol", "LOCAL"),
                ("rootDir", .string(rootDir)),
                ("homeDir", "/"),
                ("mirror", false),
                ("publicAppsDir", .null),
                ("auth", .object([("type", "LOCAL")])),
            ])),
            links,
        ]
        return .object(members)
    }

    /// A UUID-looking id derived from the system id, so repeated GETs agree.
    private static func stableUUID(for id: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16)
        let padded = String(repeating: "0", count: 16 - hex.count) + hex
        return "\(padded.prefix(8))-\(padded.dropFirst(8).prefix(4))-\(padded.suffix(4))-0001-006"
    }
}
