import XCTest
@testable import SciencefsCore

final class ReadaheadWindowTests: XCTestCase {
    func testFetchesGrowWhileReadsAreSequentialAndASeekResetsThem() {
        let window = ReadaheadWindow(initial: 1 << 20, maximum: 8 << 20)
        let chunk: UInt64 = 128 << 10
        window.noteRead(at: 0, length: chunk)
        XCTAssertEqual(window.nextFetchSize(atLeast: chunk), 1 << 20, "a first read fetches the initial window")
        // Reads served from the cache do not grow the window; only fetches do.
        for i in 1..<8 { window.noteRead(at: UInt64(i) * chunk, length: chunk) }
        window.noteRead(at: 8 * chunk, length: chunk)
        XCTAssertEqual(window.nextFetchSize(atLeast: chunk), 2 << 20)
        window.noteRead(at: 9 * chunk, length: chunk)
        XCTAssertEqual(window.nextFetchSize(atLeast: chunk), 4 << 20)
        window.noteRead(at: 10 * chunk, length: chunk)
        XCTAssertEqual(window.nextFetchSize(atLeast: chunk), 8 << 20)
        window.noteRead(at: 11 * chunk, length: chunk)
        XCTAssertEqual(window.nextFetchSize(atLeast: chunk), 8 << 20, "capped at the maximum")
        window.noteRead(at: 50 << 20, length: chunk)
        XCTAssertEqual(window.nextFetchSize(atLeast: chunk), 1 << 20, "a seek starts small again")
    }

    func testAReadLargerThanTheWindowIsFetchedWhole() {
        let window = ReadaheadWindow(initial: 64 << 10, maximum: 1 << 20)
        window.noteRead(at: 0, length: 4 << 20)
        XCTAssertEqual(window.nextFetchSize(atLeast: 4 << 20), 4 << 20)
    }
}
