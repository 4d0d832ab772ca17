import BackendKit
import Foundation
import SciencefsCore
import XCTest

/// The pager that asks for one page ahead: whatever the server's pages look like, the rows come out in order, each
/// once, and a wrong guess costs a request, never a row.
final class PagePipelineTests: XCTestCase {
    /// A directory of `rows` names served by limit/offset; `pageLength` says how many rows a page at an offset
    /// holds (a clamping or row-dropping server), `failing` which offsets answer an error (once each). Records every
    /// offset asked for. Thread-safe: the pager asks from two threads.
    final class Listing: @unchecked Sendable {
        let rows: [String]
        private let pageLength: @Sendable (_ limit: Int, _ offset: Int) -> Int
        /// Guards `asked` and `failing`.
        private let lock = NSLock()
        private var asked: [Int] = []
        private var failing: Set<Int>

        init(rows: Int, failing: Set<Int> = [], pageLength: @escaping @Sendable (Int, Int) -> Int = { limit, _ in limit }) {
            self.rows = (0..<rows).map { String(format: "f%06d", $0) }
            self.failing = failing
            self.pageLength = pageLength
        }

        var offsetsAsked: [Int] {
            lock.lock()
            defer { lock.unlock() }
            return asked
        }

        func page(_ limit: Int, _ offset: Int) throws -> [String] {
            lock.lock()
            asked.append(offset)
            let fails = failing.remove(offset) != nil
            lock.unlock()
            if fails { throw FSError.io("page at \(offset) failed") }
            guard offset < rows.count else { return [] }
            return Array(rows[offset..<min(rows.count, offset + pageLength(limit, offset))])
        }
    }

    private func fetch(_ listing: Listing, pageSize: Int = 100) throws -> [String] {
        try PagePipeline.fetchAll(pageSize: pageSize) { limit, offset in try listing.page(limit, offset) }
    }

    func testEveryRowOnceInOrderWithOneRequestMoreThanSerialPaging() throws {
        let listing = Listing(rows: 1_001)
        XCTAssertEqual(try fetch(listing), listing.rows)
        // Serial paging asks 0, 100, …, 1000, then 1001 (empty). The guess 1100, sent with the short page at 1000, is
        // the one extra; it was answered before the call returned.
        XCTAssertEqual(listing.offsetsAsked.sorted(), Array(stride(from: 0, through: 1_000, by: 100)) + [1_001, 1_100])
    }

    func testARowCountThatFillsTheLastPageEndsOnTheEmptyPage() throws {
        let listing = Listing(rows: 300)
        XCTAssertEqual(try fetch(listing), listing.rows)
        XCTAssertEqual(listing.offsetsAsked.sorted(), [0, 100, 200, 300, 400])
    }

    func testShortPagesInTheMiddleDoNotEndTheListingNorLoseRows() throws {
        // A server that clamps some pages (or drops rows inside them): the guesses made after them miss and are
        // thrown away; the listing goes on by the rows actually received.
        let listing = Listing(rows: 1_000) { limit, offset in offset % 3 == 0 ? limit / 2 : limit }
        XCTAssertEqual(try fetch(listing), listing.rows)
    }

    func testAClampedLimitStillGetsPagesAhead() throws {
        let listing = Listing(rows: 31) { _, _ in 7 }
        XCTAssertEqual(try fetch(listing), listing.rows)
        // 7, 7, then guesses: 14+21, 28 with 21, 35 with 28 (short: 3 rows), then 31 (empty).
        XCTAssertEqual(listing.offsetsAsked.sorted(), [0, 7, 14, 21, 28, 31, 35])
    }

    func testSmallListingsAreNotGuessedAt() throws {
        let one = Listing(rows: 40)
        XCTAssertEqual(try fetch(one), one.rows)
        XCTAssertEqual(one.offsetsAsked, [0, 40])
        let two = Listing(rows: 150)
        XCTAssertEqual(try fetch(two), two.rows)
        XCTAssertEqual(two.offsetsAsked, [0, 100, 150])
    }

    func testAFailingPageAheadSurfacesOnceAndTheNextListingIsWhole() throws {
        // Page 300 is asked for ahead while page 200 is decoded; its error is the listing's, thrown once.
        let listing = Listing(rows: 1_000, failing: [300])
        XCTAssertThrowsError(try fetch(listing)) { error in
            XCTAssertEqual((error as? FSError)?.errno, EIO)
        }
        XCTAssertEqual(listing.offsetsAsked.filter { $0 == 300 }.count, 1)
        XCTAssertFalse(listing.offsetsAsked.contains { $0 > 400 }, "nothing is asked for after the failure")
        XCTAssertEqual(try fetch(listing), listing.rows)
    }

    func testAFailingWrongGuessIsNotTheListingsError() throws {
        // Page 200 is short (50 rows), so the guess at 300 was wrong: its failure is thrown away with it.
        let listing = Listing(rows: 500, failing: [300]) { limit, offset in offset == 200 ? 50 : limit }
        XCTAssertEqual(try fetch(listing), listing.rows)
        XCTAssertEqual(listing.offsetsAsked.filter { $0 == 300 }.count, 1)
    }

    func testTheFirstPageCheckStopsBeforeAnyOtherRequest() {
        let listing = Listing(rows: 1_000)
        XCTAssertThrowsError(try PagePipeline.fetchAll(pageSize: 100, checkFirstPage: { (_: [String]) in
            throw FSError.notDirectory
        }) { limit, offset in try listing.page(limit, offset) })
        XCTAssertEqual(listing.offsetsAsked, [0])
    }
}
