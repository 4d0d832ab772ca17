/// The bookkeeping of the mount's readahead budget, without threads (`ReadaheadPool` runs it): ranges wait in one
/// queue, first come first served, and a range starts only when its bytes fit in what the budget has left. Its bytes
/// count as in flight from the moment it starts until its fetch ends (every byte written to the data cache, or the
/// fetch given up); then the next waiting range may start.
///
/// A range larger than the whole budget still starts, alone, once nothing else is in flight, so no range waits
/// forever. A range that does not fit holds up the ones behind it, so small ranges cannot starve a large one.
struct ReadaheadBudget<Job> {
    struct Waiting {
        let job: Job
        let length: UInt64
        let owner: ObjectIdentifier
    }

    /// Bytes that may be in flight at once.
    let limit: UInt64
    /// Bytes of the ranges started and not yet finished.
    private(set) var bytesInFlight: UInt64 = 0
    /// Ranges started and not yet finished.
    private(set) var running = 0
    private var waiting: [Waiting] = []
    /// Index of the first entry of `waiting` still queued: taking from the front is O(1); the array is compacted
    /// when the consumed prefix grows large.
    private var head = 0

    init(limit: UInt64) {
        self.limit = limit
    }

    /// Ranges waiting to start.
    var queued: Int { waiting.count - head }

    /// Queues `job`, a fetch of `length` bytes for `owner` (its prefetcher, so `withdraw` can find its ranges).
    mutating func enqueue(_ job: Job, length: UInt64, owner: ObjectIdentifier) {
        waiting.append(Waiting(job: job, length: length, owner: owner))
    }

    /// The first waiting range, now counted in flight, if its bytes fit (or nothing else is in flight); nil when
    /// none waits or the budget is used up. Every range returned must be matched by `finish(length:)`.
    mutating func start() -> (job: Job, length: UInt64)? {
        guard head < waiting.count else { return nil }
        let next = waiting[head]
        guard running == 0 || bytesInFlight + next.length <= limit else { return nil }
        head += 1
        if head >= 64, head * 2 >= waiting.count {
            waiting.removeFirst(head)
            head = 0
        }
        bytesInFlight += next.length
        running += 1
        return (next.job, next.length)
    }

    /// A started range of `length` bytes ended: its bytes leave the budget.
    mutating func finish(length: UInt64) {
        precondition(running > 0 && bytesInFlight >= length, "readahead budget: a range finished twice")
        bytesInFlight -= length
        running -= 1
    }

    /// Drops every waiting range of `owner` (its file was closed); returns how many. Started ones run on.
    @discardableResult
    mutating func withdraw(owner: ObjectIdentifier) -> Int {
        let before = queued
        waiting = waiting[head...].filter { $0.owner != owner }
        head = 0
        return before - queued
    }
}
