import Foundation
import XCTest
@testable import SciencefsCore

/// The two values a `Prefetcher` keeps its state in: which ranges are being fetched, claimed or queued, and which
/// landed blocks readers are answered from.
final class ReadaheadBookkeepingTests: XCTestCase {
    func testOnlyFetchesUnderWayCountAsBringingBytesAndQueuedOnesStillTakeAPlace() {
        var ranges = ReadaheadRanges()
        ranges.startFetching(0..<100)
        ranges.claim(100..<150)
        ranges.queue(200..<300)
        XCTAssertTrue(ranges.beingFetched(99))
        XCTAssertTrue(ranges.beingFetched(100), "a reader's claim is a fetch under way")
        XCTAssertFalse(ranges.beingFetched(250), "a queued range may wait for the budget: nobody waits for it")
        XCTAssertEqual(ranges.fetchCovering(120), 100..<150)
        XCTAssertEqual(ranges.ahead, 2, "the fetcher's range and the queued one; a reader's claim is not readahead")
        XCTAssertTrue(ranges.overlapsAny(290..<310))
        XCTAssertFalse(ranges.overlapsAny(150..<200))
    }

    func testARangeLeavesTheCountOnceFinishedAndAQueuedOneIsTakenOnce() {
        var ranges = ReadaheadRanges()
        ranges.queue(0..<10)
        XCTAssertTrue(ranges.takeQueued(0..<10))
        XCTAssertFalse(ranges.takeQueued(0..<10), "already started")
        ranges.startFetching(0..<10)
        XCTAssertTrue(ranges.isFetching(0..<10))
        ranges.finishFetching(0..<10)
        ranges.finishFetching(0..<10) // the end of a fetch whose last byte already finished it: nothing happens
        XCTAssertEqual(ranges.ahead, 0)
        ranges.queue(20..<30)
        ranges.dropQueued()
        XCTAssertFalse(ranges.takeQueued(20..<30), "dropped when the file closed")
        ranges.claim(5..<6)
        ranges.unclaim(5..<6)
        XCTAssertFalse(ranges.beingFetched(5))
    }

    func testReadersFindOnlyArrivedBytesAndPassedUncachedBlocksAreDropped() {
        var landing = LandedBlocks()
        let first = LandingBlock(start: 0, capacity: 100)
        first.filled = 60
        let second = LandingBlock(start: 100, capacity: 100)
        second.filled = 100
        landing.add(first)
        landing.add(second)
        XCTAssertTrue(landing.block(containing: 59) === first)
        XCTAssertNil(landing.block(containing: 60), "not arrived yet")
        XCTAssertTrue(landing.block(covering: 100..<200) === second)
        XCTAssertNil(landing.block(covering: 50..<70), "only part of it arrived")
        XCTAssertFalse(landing.someOnTheirWayToTheCache)
        second.handedOver = true
        XCTAssertTrue(landing.someOnTheirWayToTheCache)
        second.uncached = true
        XCTAssertFalse(landing.someOnTheirWayToTheCache, "refused by the cache: it will never get there")
        landing.dropUncached(endingBy: 150)
        XCTAssertNotNil(landing.block(containing: 120), "a reader has not passed it yet")
        landing.dropUncached(endingBy: 200)
        XCTAssertNil(landing.block(containing: 120))
        landing.remove(first)
        XCTAssertNil(landing.block(containing: 0))
    }
}
