import EmulatorSupport
import Hummingbird

/// Minimal `GET /files/v2/pems/…` and `GET /files/v2/history/…` (protocols/agave.md §4.8): one permission
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

    func history(_ path: SystemPath, owner: String, options: ReplyOptions) throws -> Response {
        guard let stat = FileStat(path: path.fileSystemPath) else { throw AgaveError.notFound() }
        let event: JSONValue = .object([
            ("status", "CREATED"),
            ("created", .string(WireTime.iso8601(stat.modified, zone: state.configuration.timeZone))),
            ("createdBy", .string(owner)),
            ("description", "New file/folder created."),
        ])
        return Replies.success(.array([event]), options: options, version: state.configuration.apiVersion)
    }
}
