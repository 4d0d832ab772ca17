import Foundation

/// What real Agave does with a request it stages asynchronously (docs/protocols/agave.md §4.4–4.5): it records
/// `STAGING_QUEUED` in the file's history, answers 202, and does the work later. One queue per kind of request
/// (uploads, imports), so requests of one kind land in the order they came. A test sets `delay` and makes requests
/// whose destination contains a fragment fail (`failStaging`).
///
/// Thread-safe: `lock` guards `failing` and `_delay`.
public final class StagingQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var failing: [String] = []
    private var _delay: TimeInterval
    let history: FileHistoryLog
    private let queue: DispatchQueue

    init(label: String, history: FileHistoryLog, delay: TimeInterval) {
        self.history = history
        self.queue = DispatchQueue(label: label)
        _delay = delay
    }

    /// How long a request waits in the queue before its work starts (`Configuration.stagingDelay` at first).
    public var delay: TimeInterval {
        get { lock.withLock { _delay } }
        set { lock.withLock { _delay = newValue } }
    }

    /// Requests whose destination path contains `fragment` end in `STAGING_FAILED`, leaving the destination as it
    /// was, until `removeAllFailures()`.
    public func failStaging(whosePathContains fragment: String) {
        lock.withLock { failing.append(fragment) }
    }

    public func removeAllFailures() {
        lock.withLock { failing.removeAll() }
    }

    /// Records `STAGING_QUEUED` for `target` now (before the reply), then runs `work` on the queue after the delay;
    /// `injectedFailure` tells it to fail.
    func enqueue(target: String, _ work: @escaping @Sendable (_ injectedFailure: Bool) -> Void) {
        history.record(target, "STAGING_QUEUED", "File/folder queued for staging")
        let fails = lock.withLock { failing.contains { target.contains($0) } }
        queue.asyncAfter(deadline: .now() + delay) { work(fails) }
    }
}
