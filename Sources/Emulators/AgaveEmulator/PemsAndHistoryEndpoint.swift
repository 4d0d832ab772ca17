import EmulatorSupport
import Foundation
import Hummingbird

/// Minimal `GET /files/v2/pems/…` and `GET /files/v2/history/…` (docs/protocols/agave.md §4.8): one permission
/// record for the owner derived from the POSIX owner bits, and the events `FileHistoryLog` keeps.
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

    /// The file's events, oldest first, one `limit`/`offset` page at a time (paged like listings, but with no `.`
    /// row): what imports and uploads recorded while they were staged, after the `CREATED` event of a file that
    /// existed before (`FileHistoryLog`). A file still queued for staging has a history before it exists.
    func history(_ path: SystemPath, query: [String: String], owner: String, options: ReplyOptions) throws -> Response {
        guard let recorded = state.history.history(of: path.fileSystemPath) else { throw AgaveError.notFound() }
        let (limit, offset) = state.paging(query)
        let page = recorded.dropFirst(offset).prefix(limit).map { event -> JSONValue in
            .object([
                ("status", .string(event.status)),
                ("created", .string(WireTime.iso8601(event.created, zone: state.configuration.timeZone))),
                ("createdBy", .string(owner)),
                ("description", .string(event.description)),
            ])
        }
        return Replies.success(.array(Array(page)), options: options, version: state.configuration.apiVersion)
    }
}
