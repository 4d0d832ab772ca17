import Foundation
import SciencefsStore
import Synchronization
import XCTest
@testable import SciencefsCore

/// The mount's readahead budget and fetcher pool: ranges start first come first served while their bytes fit, the
/// fetchers are held back (not the readers) when the budget is used up, and a closed file's waiting ranges go.
/// No test measures time: a wait is only bounded, so that a hang fails instead of stalling the suite.
final class ReadaheadPoolTests: XCTestCase {
    private final class Owner {}

    /// What a prefetcher asked its backend for.
    private final class FetchLog: Sendable {
        let ranges = Mutex<[Range<UInt64>]>([])
    }

    /// A bound on waiting for something that must happen; generous, so it fails only on a hang.
    private static let hang: DispatchTimeInterval = .seconds(30)

    // MARK: the budget's bookkeeping

    func testRangesStartInOrderWhileTheirBytesFitAndWaitForRoomOtherwise() {
        let file = ObjectIdentifier(Owner())
        var budget = ReadaheadBudget<String>(limit: 10)
        budget.enqueue("a", length: 4, owner: file)
        budget.enqueue("b", length: 4, owner: file)
        budget.enqueue("c", length: 4, owner: file)
        XCTAssertEqual(budget.start()?.job, "a")
        XCTAssertEqual(budget.start()?.job, "b")
        XCTAssertNil(budget.start(), "8 of 10 bytes are in flight: a 4-byte range waits")
        XCTAssertEqual(budget.bytesInFlight, 8)
        XCTAssertEqual(budget.running, 2)
        XCTAssertEqual(budget.queued, 1)
        budget.finish(length: 4)
        XCTAssertEqual(budget.start()?.job, "c", "a finished range makes room for the next")
        XCTAssertNil(budget.start(), "nothing left to start")
        budget.finish(length: 4)
        budget.finish(length: 4)
        XCTAssertEqual(budget.bytesInFlight, 0)
        XCTAssertEqual(budget.running, 0)
    }

    func testARangeLargerThanTheBudgetRunsAloneAndHoldsUpTheRest() {
        let file = ObjectIdentifier(Owner())
        var budget = ReadaheadBudget<String>(limit: 10)
        budget.enqueue("small", length: 2, owner: file)
        budget.enqueue("huge", length: 50, owner: file)
        budget.enqueue("tiny", length: 1, owner: file)
        XCTAssertEqual(budget.start()?.job, "small")
        XCTAssertNil(budget.start(), "the huge range waits until nothing else is in flight")
        XCTAssertNil(budget.start(), "and the tiny one behind it does not overtake it")
        budget.finish(length: 2)
        XCTAssertEqual(budget.start()?.job, "huge", "alone, a range larger than the budget still runs")
        XCTAssertNil(budget.start())
        budget.finish(length: 50)
        XCTAssertEqual(budget.start()?.job, "tiny")
    }

    func testWithdrawingAClosedFilesRangesLeavesTheOthersInOrder() {
        let owners = (Owner(), Owner())
        defer { withExtendedLifetime(owners) {} }
        let closed = ObjectIdentifier(owners.0)
        let open = ObjectIdentifier(owners.1)
        var budget = ReadaheadBudget<String>(limit: 100)
        budget.enqueue("x1", length: 1, owner: closed)
        budget.enqueue("y1", length: 1, owner: open)
        XCTAssertEqual(budget.start()?.job, "x1", "a started range is not withdrawn: its owner stops it")
        budget.enqueue("x2", length: 1, owner: closed)
        budget.enqueue("y2", length: 1, owner: open)
        XCTAssertEqual(budget.withdraw(owner: closed), 1)
        XCTAssertEqual(budget.queued, 2)
        XCTAssertEqual(budget.start()?.job, "y1")
        XCTAssertEqual(budget.start()?.job, "y2")
        XCTAssertNil(budget.start())
        XCTAssertEqual(budget.running, 3)
    }

    func testALongQueueIsServedInOrder() {
        let file = ObjectIdentifier(Owner())
        var budget = ReadaheadBudget<Int>(limit: 1)
        for i in 0..<1000 { budget.enqueue(i, length: 1, owner: file) }
        var order: [Int] = []
        while let next = budget.start() {
            order.append(next.job)
            budget.finish(length: next.length)
        }
        XCTAssertEqual(order, Array(0..<1000))
        XCTAssertEqual(budget.queued, 0)
    }

    // MARK: the pool's threads

    /// A job that reports its start and then blocks until released.
    private final class HeldJob: Sendable {
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let ran = Atomic<Bool>(false)

        var body: @Sendable () -> Void {
            { [self] in
                ran.store(true, ordering: .sequentiallyConsistent)
                started.signal()
                _ = release.wait(timeout: .now() + .seconds(60))
            }
        }
    }

    func testNoMoreRangesRunThanThereAreFetchers() {
        let pool = ReadaheadPool(budget: 1 << 30, fetchers: 2)
        let owner = Owner()
        let jobs = (0..<4).map { _ in HeldJob() }
        for job in jobs { pool.submit(length: 1, owner: owner, job.body) }
        XCTAssertEqual(jobs[0].started.wait(timeout: .now() + Self.hang), .success)
        XCTAssertEqual(jobs[1].started.wait(timeout: .now() + Self.hang), .success)
        XCTAssertEqual(pool.figures, .init(bytesInFlight: 2, running: 2, queued: 2), "two fetchers, two ranges running")
        jobs[0].release.signal()
        XCTAssertEqual(jobs[2].started.wait(timeout: .now() + Self.hang), .success, "a freed fetcher takes the next")
        XCTAssertFalse(jobs[3].ran.load(ordering: .sequentiallyConsistent))
        for job in jobs { job.release.signal() }
        XCTAssertEqual(jobs[3].started.wait(timeout: .now() + Self.hang), .success)
    }

    func testAUsedUpBudgetHoldsTheFetchersUntilBytesLand() {
        let pool = ReadaheadPool(budget: 10, fetchers: 4)
        let owner = Owner()
        let first = HeldJob()
        let second = HeldJob()
        XCTAssertTrue(pool.submit(length: 6, owner: owner, first.body), "admitted at once")
        XCTAssertEqual(first.started.wait(timeout: .now() + Self.hang), .success)
        XCTAssertFalse(pool.submit(length: 6, owner: owner, second.body), "waits for the budget")
        XCTAssertEqual(pool.figures, .init(bytesInFlight: 6, running: 1, queued: 1),
                       "fetchers are free, but 6 + 6 bytes do not fit a budget of 10")
        XCTAssertFalse(second.ran.load(ordering: .sequentiallyConsistent))
        first.release.signal()
        XCTAssertEqual(second.started.wait(timeout: .now() + Self.hang), .success, "the first range's bytes landed")
        second.release.signal()
    }

    func testAClosedFilesWaitingRangesNeverRun() {
        let pool = ReadaheadPool(budget: 1 << 30, fetchers: 1)
        let closed = Owner()
        let other = Owner()
        let blocker = HeldJob()
        let withdrawn = HeldJob()
        let after = HeldJob()
        pool.submit(length: 1, owner: other, blocker.body)
        XCTAssertEqual(blocker.started.wait(timeout: .now() + Self.hang), .success)
        pool.submit(length: 1, owner: closed, withdrawn.body)
        pool.submit(length: 1, owner: other, after.body)
        pool.withdraw(owner: closed)
        XCTAssertEqual(pool.figures.queued, 1)
        blocker.release.signal()
        // One fetcher, first come first served: had the withdrawn range stayed, it would have run before this one.
        XCTAssertEqual(after.started.wait(timeout: .now() + Self.hang), .success)
        XCTAssertFalse(withdrawn.ran.load(ordering: .sequentiallyConsistent))
        after.release.signal()
    }

    func testThePoolSizeFollowsTheBudget() {
        XCTAssertEqual(ReadaheadPool.fetchers(budget: 256 << 20, rangeSize: 16 << 20), 16)
        XCTAssertEqual(ReadaheadPool.fetchers(budget: 64 << 20, rangeSize: 16 << 20), 4)
        XCTAssertEqual(ReadaheadPool.fetchers(budget: 1 << 20, rangeSize: 16 << 20), 2, "at least two")
        XCTAssertEqual(ReadaheadPool.fetchers(budget: 1 << 40, rangeSize: 16 << 20), 16, "at most sixteen")
    }

    // MARK: a prefetcher on a pool whose budget is used up

    /// The reader of a file whose readahead waits for the budget is not held back: the waiting range does not count
    /// as being fetched, so the reader claims and fetches its bytes itself; when the range's turn comes, it skips
    /// what the reader already cached.
    func testAReaderNeverWaitsForReadaheadQueuedBehindTheBudget() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-ra-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try MetadataStore(directory: directory)
        let cache = try DataCache(store: store, capacityBytes: 64 << 20)
        let object = try cache.object(source: "mem", path: "/f", version: "1")
        let size: UInt64 = 4 << 20
        let content = Data((0..<Int(size)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let fetched = FetchLog()

        let pool = ReadaheadPool(budget: 1 << 20, fetchers: 2)
        let other = Owner()
        let blocker = HeldJob()
        pool.submit(length: 1 << 20, owner: other, blocker.body)  // another file's range fills the budget
        XCTAssertEqual(blocker.started.wait(timeout: .now() + Self.hang), .success)

        let prefetcher = Prefetcher(object: object, size: size, depth: 2, pool: pool,
                                    writes: CacheWriteQueue(limit: 64 << 20)) { start, length, sink in
            fetched.ranges.withLock { $0.append(start..<(start + length)) }
            try content[Int(start)..<Int(start + length)].withUnsafeBytes { try sink($0) }
        }
        prefetcher.readAhead(from: 0, reach: 2 << 20, minimum: 1 << 20, maximum: 1 << 20)
        XCTAssertEqual(pool.figures.queued, 2, "both readahead ranges wait for the budget")
        // A queued range is not being fetched: the reader does not wait for it, it fetches its own bytes.
        let demand: Range<UInt64> = 0..<(512 << 10)
        var buffer = [UInt8](repeating: 0, count: 512 << 10)
        let step = buffer.withUnsafeMutableBytes { prefetcher.nextStep(at: 0, into: $0) { 512 << 10 } }
        XCTAssertEqual(step, .fetch(demand))
        try content[0..<(512 << 10)].withUnsafeBytes { _ = try object.write(at: 0, bytes: $0) }
        prefetcher.unclaim(demand)

        blocker.release.signal()
        // The queued ranges now run; the first skips the half the reader cached.
        let deadline = Date().addingTimeInterval(30)
        while object.cachedRun(at: 0, max: 2 << 20) < 2 << 20 || pool.figures.running + pool.figures.queued > 0 {
            if Date() >= deadline {
                XCTFail("the queued readahead never finished")
                break
            }
            usleep(1000)
        }
        XCTAssertEqual(fetched.ranges.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound },
                       [(512 << 10)..<(1 << 20), (1 << 20)..<(2 << 20)])
        var bytes = [UInt8](repeating: 0, count: 2 << 20)
        XCTAssertEqual(try bytes.withUnsafeMutableBytes { try object.read(at: 0, into: $0) }, 2 << 20)
        XCTAssertEqual(Data(bytes), content[0..<(2 << 20)])
        prefetcher.stop()
    }

    /// Closing the file drops its waiting ranges: the pool forgets them, and they never fetch.
    func testStoppingAPrefetcherDropsItsQueuedRanges() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-ra-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try MetadataStore(directory: directory)
        let cache = try DataCache(store: store, capacityBytes: 64 << 20)
        let object = try cache.object(source: "mem", path: "/g", version: "1")
        let calls = FetchLog()
        let pool = ReadaheadPool(budget: 1 << 20, fetchers: 1)
        let blocker = HeldJob()
        let others = (Owner(), Owner())
        defer { withExtendedLifetime(others) {} }
        pool.submit(length: 1 << 20, owner: others.0, blocker.body)
        XCTAssertEqual(blocker.started.wait(timeout: .now() + Self.hang), .success)
        let prefetcher = Prefetcher(object: object, size: 8 << 20, depth: 4, pool: pool,
                                    writes: CacheWriteQueue(limit: 64 << 20)) { start, length, _ in
            calls.ranges.withLock { $0.append(start..<(start + length)) }
        }
        prefetcher.readAhead(from: 0, reach: 4 << 20, minimum: 1 << 20, maximum: 1 << 20)
        XCTAssertEqual(pool.figures.queued, 4)
        prefetcher.stop()
        XCTAssertEqual(pool.figures.queued, 0)
        blocker.release.signal()
        let after = HeldJob()
        pool.submit(length: 1, owner: others.1, after.body)
        XCTAssertEqual(after.started.wait(timeout: .now() + Self.hang), .success)
        after.release.signal()
        XCTAssertEqual(calls.ranges.withLock { $0 }, [], "a closed file's readahead fetched nothing")
    }
}
