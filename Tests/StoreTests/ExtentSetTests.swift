@testable import SciencefsStore
import XCTest

final class ExtentSetTests: XCTestCase {
    private func ranges(_ set: ExtentSet) -> [[UInt64]] { set.extents.map { [$0.start, $0.end] } }

    func testAdjacentAndOverlappingRangesMerge() {
        var set = ExtentSet()
        XCTAssertEqual(set.insert(start: 10, end: 20), 10)
        XCTAssertEqual(set.insert(start: 30, end: 40), 10)
        XCTAssertEqual(ranges(set), [[10, 20], [30, 40]])
        XCTAssertEqual(set.insert(start: 20, end: 30), 10, "adjacent on both sides")
        XCTAssertEqual(ranges(set), [[10, 40]])
        XCTAssertEqual(set.insert(start: 5, end: 15), 5, "overlap counts only new bytes")
        XCTAssertEqual(set.insert(start: 12, end: 18), 0)
        XCTAssertEqual(ranges(set), [[5, 40]])
        XCTAssertEqual(set.byteCount, 35)
    }

    func testInsertSpanningSeveralExtentsMergesThemAll() {
        var set = ExtentSet(ranges: [.init(start: 0, end: 2), .init(start: 4, end: 6), .init(start: 8, end: 10),
                                     .init(start: 20, end: 21)])
        XCTAssertEqual(set.byteCount, 7)
        XCTAssertEqual(set.insert(start: 1, end: 9), 4)
        XCTAssertEqual(ranges(set), [[0, 10], [20, 21]])
        XCTAssertEqual(set.byteCount, 11)
    }

    func testRunLengthIsMeasuredFromTheOffset() {
        let set = ExtentSet(ranges: [.init(start: 100, end: 200)])
        XCTAssertEqual(set.runLength(at: 99, max: 1000), 0)
        XCTAssertEqual(set.runLength(at: 100, max: 1000), 100)
        XCTAssertEqual(set.runLength(at: 150, max: 1000), 50)
        XCTAssertEqual(set.runLength(at: 150, max: 10), 10)
        XCTAssertEqual(set.runLength(at: 200, max: 1000), 0, "end is exclusive")
        XCTAssertEqual(ExtentSet().runLength(at: 0, max: 10), 0)
    }

    func testCoversAndTruncate() {
        var set = ExtentSet(ranges: [.init(start: 0, end: 50), .init(start: 60, end: 100)])
        XCTAssertTrue(set.covers(size: 50))
        XCTAssertFalse(set.covers(size: 51))
        XCTAssertTrue(ExtentSet().covers(size: 0))
        set.truncate(to: 70)
        XCTAssertEqual(ranges(set), [[0, 50], [60, 70]])
        XCTAssertEqual(set.byteCount, 60)
    }
}
