import Foundation

/// The data cache's background writer: one thread of its own that runs the cache's extent write-out (`round`), so
/// the SQLite bookkeeping of cached bytes never runs on a reader's or a fetcher's thread.
///
/// A round runs when `request()` asks for one (a batch of bytes is due), or `interval` seconds after the previous
/// round once `noteDirty()` said there is something to write. Between rounds the thread sleeps on `condition`
/// (no polling). `stop()` ends the thread; it waits for a round in progress unless called from the writer's own
/// thread (the cache's `deinit` may run there, when a round held the last reference).
///
/// `@unchecked Sendable` because `condition` guards every `var` here. `condition` is a leaf in the lock order: the
/// cache takes it under its own `lock` (`noteDirty`) or under no lock, and a round runs with it released.
final class ExtentWriter: @unchecked Sendable {
    private let interval: Double
    private let condition = NSCondition()
    /// The work of one round, set by `start`.
    private var round: (@Sendable () -> Void)?
    /// A round was asked for now.
    private var requested = false
    /// There is something to write: a round runs `interval` after the last one.
    private var pending = false
    private var stopped = false
    /// The writer thread exists (set by `start`, cleared as it exits).
    private var running = false
    /// The writer thread's id, for `stop()` called from the thread itself.
    private var threadID: pthread_t?

    init(interval: Double) {
        self.interval = interval
    }

    /// Starts the thread; `round` must not keep its owner alive (capture it weakly).
    func start(name: String, round: @escaping @Sendable () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        guard !running, !stopped else { return }
        self.round = round
        running = true
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.start()
    }

    /// Whether the writer thread exists (false once `stop()` returned on another thread).
    var isRunning: Bool {
        condition.lock()
        defer { condition.unlock() }
        return running
    }

    /// Asks for a round as soon as the writer is free.
    func request() {
        condition.lock()
        requested = true
        condition.signal()
        condition.unlock()
    }

    /// Something became dirty: a round runs within `interval`.
    func noteDirty() {
        condition.lock()
        if !pending {
            pending = true
            condition.signal()
        }
        condition.unlock()
    }

    /// Ends the writer thread (idempotent). Returns once the thread is gone, or at once on the thread itself.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        condition.broadcast()
        if let threadID, pthread_equal(threadID, pthread_self()) != 0 { return }
        while running { condition.wait() }
    }

    private func loop() {
        condition.lock()
        threadID = pthread_self()
        var lastRound = Date()
        while !stopped {
            let next = lastRound.addingTimeInterval(interval)
            if requested || (pending && Date() >= next) {
                requested = false
                pending = false
                let work = round
                condition.unlock()
                work?()
                condition.lock()
                lastRound = Date()
            } else if pending {
                _ = condition.wait(until: next)
            } else {
                condition.wait()
            }
        }
        running = false
        round = nil
        condition.broadcast()
        condition.unlock()
    }
}
