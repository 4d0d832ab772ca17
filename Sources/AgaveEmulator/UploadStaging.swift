import Foundation
import Glibc

/// Uploads staged asynchronously, as real Agave stages them (docs/protocols/agave.md §4.4): the service keeps the
/// received bytes in a cache of its own, answers 202 with `STAGING_QUEUED`, and moves them to the storage system
/// afterwards. Until then the destination shows what it showed before (nothing, or the previous version). The
/// file's history (`FileHistoryLog`) tells the progress: `STAGING_QUEUED` at the request, then `UPLOAD` and
/// `STAGING_COMPLETED` once the bytes are in place, or `STAGING_FAILED` with the reason, the bytes gone.
/// A test makes uploads fail with `failUploads(whosePathContains:)`.
///
/// Thread-safe: `lock` guards `failing` and `_delay`.
public final class UploadStaging: @unchecked Sendable {
    private let lock = NSLock()
    private var failing: [String] = []
    private var _delay: TimeInterval
    private let history: FileHistoryLog
    /// One queue: uploads of one path land in the order they were received.
    private let queue = DispatchQueue(label: "agave-emulator.upload-staging")

    init(history: FileHistoryLog, delay: TimeInterval) {
        self.history = history
        _delay = delay
    }

    /// How long an upload waits in the queue before it lands (`Configuration.stagingDelay` at first).
    public var delay: TimeInterval {
        get { lock.withLock { _delay } }
        set { lock.withLock { _delay = newValue } }
    }

    /// Uploads whose destination path contains `fragment` end in `STAGING_FAILED`, leaving the destination as it
    /// was, until `removeAllFailures()`.
    public func failUploads(whosePathContains fragment: String) {
        lock.withLock { failing.append(fragment) }
    }

    public func removeAllFailures() {
        lock.withLock { failing.removeAll() }
    }

    /// Takes over the received bytes at `cached` and queues their move to `target` (both on the emulator's disk,
    /// one filesystem). The `STAGING_QUEUED` event is recorded before this returns, so before the reply.
    func queue(cached: String, to target: String, agaveTarget: String) {
        history.record(target, "STAGING_QUEUED", "File/folder queued for staging")
        let fails = lock.withLock { failing.contains { target.contains($0) } }
        queue.asyncAfter(deadline: .now() + delay) { [self] in
            let failure: String?
            if fails {
                failure = "the storage system refused the transfer (injected)"
            } else if FileStat(path: target)?.isDirectory == true {
                failure = "a directory is in the way"
            } else if rename(cached, target) != 0 {
                failure = "rename failed: errno \(errno)"
            } else {
                failure = nil
            }
            guard let failure else {
                history.record(target, "UPLOAD", "File uploaded")
                history.record(target, "STAGING_COMPLETED", "Staging completed successfully")
                return
            }
            unlink(cached)
            history.record(target, "STAGING_FAILED", "Failed to transfer the uploaded file to \(agaveTarget): \(failure). "
                + "Please attempt the upload again.")
        }
    }
}
