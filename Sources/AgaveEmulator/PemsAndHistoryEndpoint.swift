import EmulatorSupport
import Foundation
import Hummingbird

/// Minimal `GET /files/v2/pems/…` and `GET /files/v2/history/…` (docs/protocols/agave.md §4.8): one permission
/// record for the owner derived from the POSIX owner bits, and one `CREATED` event at the modification time.
struct PemsAndHistoryEndpoint {
    let state: EmulatorState

    func permissions(_ path: SystemPath, owner: String, options: ReplyOptions) throws -> Response {
        guard let stat = FileStat(path: path.fileSystemPath) else { throw AgaveError.notFound() }
        let record: JSONValue = .object([
            ("username", .string(owner)),
            ("internalUsername", .null),
            ("permission", .object([("read", .bool(stat.mode & 0o400 != 0)), ("write", .bool(stat.mode & 0o200 != 0)),
                                    ("execute", .bool(stat.mode & 0o100 != 0))])),
            ("recursive", .bool(stat.isDirectory)),
            ("_links", .object([("self", .object([("href", .string(state.objects.mediaHref(path)))]))])),
        ])
        return Replies.success(.array([record]), options: options, version: state.configuration.apiVersion)
    }

    /// A `CREATED` event when the file exists, then the import events recorded for the path (an import still
    /// queued has a history before its file exists).
    func history(_ path: SystemPath, owner: String, options: ReplyOptions) throws -> Response {
        let stat = FileStat(path: path.fileSystemPath)
        let staging = state.imports.history(of: path.fileSystemPath)
        guard stat != nil || !staging.isEmpty else { throw AgaveError.notFound() }
        func event(_ status: String, _ created: Date, _ description: String) -> JSONValue {
            .object([
                ("status", .string(status)),
                ("created", .string(WireTime.iso8601(created, zone: state.configuration.timeZone))),
                ("createdBy", .string(owner)),
                ("description", .string(description)),
            ])
        }
        var events: [JSONValue] = []
        if let stat { events.append(event("CREATED", stat.modified, "New file/folder created.")) }
        events += staging.map { event($0.status, $0.created, $0.description) }
        return Replies.success(.array(events), options: options, version: state.configuration.apiVersion)
    }
}
