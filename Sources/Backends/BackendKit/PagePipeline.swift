import Foundation
import SciencefsCore

/// Limit/offset paging with one page asked for ahead: while page N is fetched and decoded, page N+1 is already on
/// the wire, so a long listing costs about one round trip per page instead of a round trip plus the decoding.
///
/// The ahead request is a guess: it assumes page N comes back as long as page N-1 did. `offset` still advances by
/// the rows actually returned and only an empty page ends the listing (docs/protocols/agave.md §4.2), so a guess is
/// used only when it asked for exactly the offset the rows received lead to; otherwise it is waited for and thrown
/// away, rows or error, and the right offset is asked for. No gap or duplicate can come of a guess. A guess is made
/// only once the last two pages were equally long (not while the first page, which may show the path is a file,
/// is open): a listing of three pages or more then costs one request more than serial paging, the guess sent with
/// the page that turns out short or empty.
public enum PagePipeline {
    public static func fetchAll<Row: Sendable>(pageSize: Int, checkFirstPage: ([Row]) throws -> Void = { _ in },
                                               page: @escaping @Sendable (_ limit: Int, _ offset: Int) throws -> [Row]) throws -> [Row] {
        let first = try page(pageSize, 0)
        try checkFirstPage(first)
        var rows = first
        var offset = first.count
        var last = first.count
        var beforeLast = -1
        var ahead: PageFetch<Row>?
        // A guess still in flight when the listing ends or fails is waited for: no request outlives the call.
        defer { _ = ahead?.wait() }
        while last > 0 {
            let guessed = ahead?.offset == offset ? ahead : nil
            if guessed == nil { _ = ahead?.wait() }
            ahead = last == beforeLast ? PageFetch(offset: offset + last, limit: pageSize, page: page) : nil
            let batch = try guessed.map { try $0.wait().get() } ?? page(pageSize, offset)
            rows.append(contentsOf: batch)
            offset += batch.count
            beforeLast = last
            last = batch.count
            try LimitOffsetPaging.checkRowCount(rows.count)
        }
        return rows
    }
}

/// One page fetched on a thread of its own; `wait()` gives its rows or its error.
final class PageFetch<Row: Sendable>: @unchecked Sendable {
    let offset: Int
    /// Guards `outcome`; signalled when it is set.
    private let done = NSCondition()
    private var outcome: Result<[Row], Error>?

    init(offset: Int, limit: Int, page: @escaping @Sendable (Int, Int) throws -> [Row]) {
        self.offset = offset
        let thread = Thread { [self] in
            let result = Result { try page(limit, offset) }
            done.lock()
            outcome = result
            done.broadcast()
            done.unlock()
        }
        thread.name = "sciencefs-page"
        thread.start()
    }

    func wait() -> Result<[Row], Error> {
        done.lock()
        defer { done.unlock() }
        while outcome == nil { done.wait() }
        return outcome!
    }
}
