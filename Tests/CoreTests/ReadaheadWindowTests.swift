import XCTest
@testable import SciencefsCore

final class ReadaheadWindowTests: XCTestCase {
    func testFetchesGrowWhileReadsAreSequentialAndASeekFetchesExactlyTheRead() {
        let window = ReadaheadWindow(initial: 1 << 20, maximum: 8 << 20)
        let chunk: UInt64 = 128 << 10
        window.noteRead(at: 0, length: chunk)
        XCTAssertTrue(window.isSequential, "reading from the start of a file starts a run")
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
        window.noteRead(at: 50 << 20, length: 4096)
        XCTAssertFalse(window.isSequential)
        XCTAssertEqual(window.nextFetchSize(atLeast: 4096), 4096, "after a seek, exactly the bytes asked for")
        window.noteRead(at: 50 << 20 + 4096, length: chunk)
        XCTAssertEqual(window.nextFetchSize(atLeast: chunk), 1 << 20, "reading on from there starts a new window")
    }

    func testRandomSmallReadsNeverFetchMoreThanTheyAsk() {
        let window = ReadaheadWindow(initial: 1 << 20, maximum: 16 << 20)
        var generator = SystemRandomNumberGenerator()
        var fetched: UInt64 = 0
        // A first read somewhere in the middle is a seek, not the start of a run.
        for _ in 0..<1000 {
            let offset = UInt64.random(in: 4..<(1 << 18), using: &generator) * 4096
            window.noteRead(at: offset, length: 4096)
            if !window.isSequential { fetched += window.nextFetchSize(atLeast: 4096) }
        }
        XCTAssertLessThanOrEqual(fetched, 1000 * 4096)
    }

    func testReadsArrivingSlightlyOutOfOrderStillCountAsSequential() {
        let window = ReadaheadWindow(initial: 1 << 20, maximum: 8 << 20)
        let chunk: UInt64 = 1 << 20
        window.noteRead(at: 0, length: chunk)
        window.noteRead(at: 2 * chunk, length: chunk)
        XCTAssertTrue(window.isSequential, "the kernel's next read overtook the one before it")
        window.noteRead(at: chunk, length: chunk)
        XCTAssertTrue(window.isSequential)
        XCTAssertEqual(window.runLength, 3 * chunk)
        window.noteRead(at: 3 * chunk, length: chunk)
        XCTAssertTrue(window.isSequential)
    }

    func testAReadLargerThanTheWindowIsFetchedWhole() {
        let window = ReadaheadWindow(initial: 64 << 10, maximum: 1 << 20)
        window.noteRead(at: 0, length: 4 << 20)
        XCTAssertEqual(window.nextFetchSize(atLeast: 4 << 20), 4 << 20)
    }
}
