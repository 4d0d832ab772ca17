import Foundation

/// The mount's readahead fetchers: a fixed number of threads that run every open file's readahead ranges under one
/// budget of bytes in flight (`ReadaheadBudget`, set by the config key `readahead_budget_mb`). However many files
/// are read at once, at most `fetchers` readahead requests run and at most about `budget` bytes are asked for and
/// not yet in the data cache. When the budget is used up, ranges wait in the queue until running ones finish: the
/// fetchers are held back, the readers are not. A reader never waits for a queued range (see `Prefetcher`): it
/// fetches the bytes it needs itself.
///
/// Threads of their own, not a dispatch queue: a fetch blocks on the network while a reader may block on it, and
/// libdispatch's pool (one thread per core) could leave it waiting for a thread that only a finished read would
/// free. They start as work arrives and end after `idleExit` seconds with nothing to do, so a VFS that no longer
/// reads leaves no thread behind.
///
/// A range is admitted (its bytes counted in the budget) as soon as the budget has room and a fetcher is free, at
/// once when it is submitted if it can be (`submit` says so), so its prefetcher can count it as being fetched from
/// that moment: a reader may then wait for it, because nothing but a thread's start stands between it and its
/// fetch. A range that has to wait is admitted later, when a running one finishes.
///
/// `@unchecked Sendable` because `condition` guards `budget`, `ready`, `workers` and `idle`; the rest is `let`.
/// Lock order (see `VFS`): a leaf. `Prefetcher.condition` may be held while it is taken; a job runs with it released.
final class ReadaheadPool: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    /// Bytes that may be in flight at once, across all files.
    let budgetBytes: UInt64
    /// Threads that run ranges.
    let fetchers: Int
    private let idleExit: TimeInterval
    private let condition = NSCondition()
    private var budget: ReadaheadBudget<Job>
    /// Ranges admitted (counted in the budget) and not yet taken by a thread.
    private var ready: [(job: Job, length: UInt64)] = []
    /// Threads alive, and how many of them wait for work.
    private var workers = 0
    private var idle = 0

    /// Default size of the pool for a budget: one fetcher per full-size range the budget holds, at least 2 and
    /// at most 16 (the machines this runs on have a few cores; more threads than that would only compete).
    static func fetchers(budget: UInt64, rangeSize: UInt64) -> Int {
        min(16, max(2, Int(budget / max(1, rangeSize))))
    }

    init(budget: UInt64, fetchers: Int, idleExit: TimeInterval = 30) {
        self.budgetBytes = budget
        self.fetchers = max(1, fetchers)
        self.idleExit = idleExit
        self.budget = ReadaheadBudget(limit: budget)
    }

    struct Figures: Sendable, Equatable {
        /// Bytes of the ranges being fetched.
        var bytesInFlight: UInt64
        /// Ranges being fetched.
        var running: Int
        /// Ranges waiting for a fetcher or for room in the budget.
        var queued: Int
    }

    var figures: Figures {
        condition.lock()
        defer { condition.unlock() }
        return Figures(bytesInFlight: budget.bytesInFlight, running: budget.running, queued: budget.queued)
    }

    /// Queues a fetch of `length` bytes for `owner`; `job` runs on a fetcher once the budget has room for it.
    /// Returns true if it was admitted at once (it will run without waiting for the budget), false if it waits.
    @discardableResult
    func submit(length: UInt64, owner: AnyObject, _ job: @escaping Job) -> Bool {
        condition.lock()
        budget.enqueue(job, length: length, owner: ObjectIdentifier(owner))
        let spawn = admit()
        // First come first served: the range just queued was admitted if and only if nothing waits any more.
        let admitted = budget.queued == 0
        condition.unlock()
        for _ in 0..<spawn { startWorker() }
        return admitted
    }

    /// Drops `owner`'s ranges still waiting for the budget (its file was closed); admitted ones are the owner's to
    /// stop.
    func withdraw(owner: AnyObject) {
        condition.lock()
        budget.withdraw(owner: ObjectIdentifier(owner))
        condition.unlock()
    }

    /// Called with `condition` locked: admits waiting ranges while the budget has room and fetchers are free, and
    /// wakes idle threads for them; returns how many more threads to start so that every admitted range has one.
    private func admit() -> Int {
        while budget.running < fetchers, let next = budget.start() { ready.append(next) }
        guard !ready.isEmpty else { return 0 }
        condition.broadcast()
        let spawn = min(fetchers - workers, max(0, ready.count - idle))
        workers += spawn
        // Counted as idle until they take their job, so the next `admit` does not start threads for it again.
        idle += spawn
        return spawn
    }

    private func startWorker() {
        let thread = Thread { [self] in work() }
        thread.name = "sciencefs-readahead"
        thread.start()
    }

    /// A fetcher thread: runs admitted ranges; ends after `idleExit` seconds without one.
    private func work() {
        condition.lock()
        idle -= 1
        var timedOut = false
        while true {
            if !ready.isEmpty {
                let (job, length) = ready.removeFirst()
                timedOut = false
                condition.unlock()
                job()
                condition.lock()
                budget.finish(length: length)
                // Room in the budget and a free fetcher (this one, counted idle here): a waiting range may be admitted.
                idle += 1
                let spawn = admit()
                idle -= 1
                if spawn > 0 {
                    condition.unlock()
                    for _ in 0..<spawn { startWorker() }
                    condition.lock()
                }
                continue
            }
            if timedOut { break }
            idle += 1
            timedOut = !condition.wait(until: Date().addingTimeInterval(idleExit))
            idle -= 1
        }
        workers -= 1
        condition.unlock()
    }
}
