import Foundation

/// Writes readahead's landed blocks into the data cache on a thread of its own, one mount-wide queue, so that neither
/// a reader nor a fetcher waits for the cache disk while it keeps up. The queue holds at most `limit` bytes: a block
/// that does not fit is refused (`submit` says so), and its fetcher writes it itself, which holds that fetcher back
/// instead of letting memory grow with a disk slower than the network.
///
/// One thread, started when work arrives and ended after `idleExit` seconds without any, so a mount that no longer
/// reads keeps none.
///
/// `@unchecked Sendable` because `condition` guards `jobs`, `queuedBytes` and `running`; the rest is `let`.
/// Lock order (see `VFS`): a leaf; jobs run with it released.
final class CacheWriteQueue: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    /// Bytes that may wait or be written at once.
    let limit: UInt64
    private let idleExit: TimeInterval
    private let condition = NSCondition()
    private var jobs: [(job: Job, length: UInt64)] = []
    private var queuedBytes: UInt64 = 0
    private var running = false

    init(limit: UInt64, idleExit: TimeInterval = 30) {
        self.limit = limit
        self.idleExit = idleExit
    }

    /// Queues `job`, which writes `length` bytes; false (and `job` never runs) when the queue has no room for them.
    /// An empty queue takes any block, so one larger than `limit` is still written.
    func submit(length: UInt64, _ job: @escaping Job) -> Bool {
        condition.lock()
        guard queuedBytes == 0 || queuedBytes + length <= limit else {
            condition.unlock()
            return false
        }
        jobs.append((job, length))
        queuedBytes += length
        let start = !running
        running = true
        condition.signal()
        condition.unlock()
        if start {
            let thread = Thread { [self] in work() }
            thread.name = "sciencefs-cache-writer"
            thread.start()
        }
        return true
    }

    /// Bytes queued or being written.
    var backlog: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return queuedBytes
    }

    private func work() {
        condition.lock()
        while true {
            if !jobs.isEmpty {
                let (job, length) = jobs.removeFirst()
                condition.unlock()
                job()
                condition.lock()
                queuedBytes -= length
                continue
            }
            if !condition.wait(until: Date().addingTimeInterval(idleExit)), jobs.isEmpty { break }
        }
        running = false
        condition.unlock()
    }
}
