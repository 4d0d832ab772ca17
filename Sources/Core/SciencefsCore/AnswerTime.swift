import Foundation

/// When a backend's answer was true. The Core keeps a listing or a stat from the moment it asked; but a backend may
/// build its answer from facts the Core kept for it (`NodeFacts`: a dataset's children, a batch's file list), and
/// then the answer is only as new as the oldest of those facts. `NodeFacts.value` notes each fact it hands out here,
/// and the Core keeps the answer from that time, so that nothing is shown for longer than one TTL after the server
/// said it (docs/SEMANTICS.md, "Freshness").
///
/// One per backend call, bound to the calling thread for the call (a task-local value, which also works on threads
/// that run no task): the facts a backend reads while it answers belong to that answer. Thread-safe.
final class AnswerTime: @unchecked Sendable {
    @TaskLocal static var current: AnswerTime?

    private let lock = NSLock()
    /// Guarded by `lock`.
    private var oldest: Date

    private init(asked: Date) { oldest = asked }

    /// A fact learned at `fetchedAt` went into the answer.
    func note(_ fetchedAt: Date) {
        lock.lock()
        oldest = min(oldest, fetchedAt)
        lock.unlock()
    }

    /// Runs `call` (one backend call, asked at `asked`) and says when its answer — or its error, such as ENOENT —
    /// was true: `asked`, or the fetch time of the oldest fact it used.
    static func measure<R>(asked: Date, _ call: () throws -> R) -> (result: Result<R, Error>, asOf: Date) {
        let time = AnswerTime(asked: asked)
        let result = $current.withValue(time) { Result(catching: call) }
        time.lock.lock()
        defer { time.lock.unlock() }
        return (result, time.oldest)
    }
}
