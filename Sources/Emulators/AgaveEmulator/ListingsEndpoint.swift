import EmulatorSupport
import Hummingbird

/// `GET /files/v2/listings/system/{id}/{path}` (docs/protocols/agave.md §4.2).
///
/// A directory listing is the virtual sequence `[".", child₀, child₁, …]` (children sorted by name) cut at
/// `offset..<offset+limit`, so the self row occupies offset 0 of the first page and counts toward `limit`.
/// A file path answers a one-element array describing the file.
struct ListingsEndpoint {
    let state: EmulatorState

    func list(_ path: SystemPath, query: [String: String], options: ReplyOptions) throws -> Response {
        guard let stat = FileStat(path: path.fileSystemPath) else { throw AgaveError.notFound() }
        let objects = state.objects
        let version = state.configuration.apiVersion
        guard stat.isDirectory else {
            return Replies.success(.array([objects.listingRow(path, stat: stat)]), options: options, version: version)
        }
        let names = try state.listingCache.sortedNames(ofDirectory: path.fileSystemPath, modified: stat.modified)
        let (limit, offset) = state.paging(query)
        let total = names.count + 1
        var rows: [JSONValue] = []
        if offset < total {
            for index in offset..<min(total, offset + limit) {
                if index == 0 {
                    rows.append(objects.listingRow(path, stat: stat, name: "."))
                    continue
                }
                let child = path.appending([names[index - 1]])
                // An entry removed since the directory was read is skipped, as Agave skips rows it cannot stat.
                if let childStat = FileStat(path: child.fileSystemPath) {
                    rows.append(objects.listingRow(child, stat: childStat))
                }
            }
        }
        return Replies.success(.array(rows), options: options, version: version)
    }
}
