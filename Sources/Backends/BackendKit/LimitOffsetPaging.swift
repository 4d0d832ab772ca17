import SciencefsCore

/// Limit/offset paging as Agave (docs/protocols/agave.md §4.2) and Tapis (docs/protocols/tapis.md) page: the server may clamp `limit` and silently drop rows inside
/// a page, so a short page does not mean the end. Advance `offset` by the rows actually returned and stop
/// only on an empty page — for n rows that is ceil(n / limit) + 1 requests.
public enum LimitOffsetPaging {
    /// Guards against a server that ignores `offset` and returns the same rows forever.
    public static let maxRows = 10_000_000

    /// `checkFirstPage` may throw to stop before any further request (e.g. the path turned out to be a file,
    /// whose "listing" is the file itself at every offset).
    public static func fetchAll<Row>(pageSize: Int, checkFirstPage: ([Row]) throws -> Void = { _ in },
                              page: (_ limit: Int, _ offset: Int) throws -> [Row]) throws -> [Row] {
        var rows: [Row] = []
        var offset = 0
        while true {
            let batch = try page(pageSize, offset)
            if offset == 0 { try checkFirstPage(batch) }
            if batch.isEmpty { return rows }
            rows.append(contentsOf: batch)
            offset += batch.count
            try checkRowCount(rows.count)
        }
    }

    /// Throws once a listing has more than `maxRows` rows.
    static func checkRowCount(_ count: Int) throws {
        if count > maxRows { throw FSError.io("listing exceeds \(maxRows) rows; the server may be ignoring offset") }
    }
}
