import Foundation
import Glibc

/// Imports (`urlToIngest`) staged asynchronously, as real Agave stages them (docs/protocols/agave.md §4.4–4.5): the
/// request is answered first (202, `STAGING_QUEUED`); the copy runs afterwards on a queue of its own, into a
/// temporary name that is renamed into place, so the destination never shows half its bytes. The path's history
/// (`GET /files/v2/history/…`, kept in `FileHistoryLog`) tells the progress: `STAGING_QUEUED`, `STAGING`, then
/// `STAGING_COMPLETED` or `STAGING_FAILED`. A test makes imports fail with `failImports(whosePathContains:)`.
///
/// Thread-safe: `lock` guards `failing` and `_delay`.
public final class ImportStaging: @unchecked Sendable {
    private let lock = NSLock()
    private var failing: [String] = []
    private var _delay: TimeInterval
    private let history: FileHistoryLog
    private let queue = DispatchQueue(label: "agave-emulator.import-staging")

    init(history: FileHistoryLog, delay: TimeInterval) {
        self.history = history
        _delay = delay
    }

    /// How long an import waits in the queue before its copy starts (`Configuration.stagingDelay` at first).
    public var delay: TimeInterval {
        get { lock.withLock { _delay } }
        set { lock.withLock { _delay = newValue } }
    }

    /// Imports whose destination path contains `fragment` end in `STAGING_FAILED`, with no file, until
    /// `removeAllFailures()`.
    public func failImports(whosePathContains fragment: String) {
        lock.withLock { failing.append(fragment) }
    }

    public func removeAllFailures() {
        lock.withLock { failing.removeAll() }
    }

    /// Queues the copy of `source` to `target` (paths on the emulator's disk); `temporary` is where the bytes are
    /// put together first (on the same filesystem as `target`).
    func queue(from source: String, to target: String, temporary: String) {
        history.record(target, "STAGING_QUEUED", "File/folder queued for staging")
        let fails = lock.withLock { failing.contains { target.contains($0) } }
        queue.asyncAfter(deadline: .now() + delay) { [self] in
            history.record(target, "STAGING", "Staging file/folder from the source URL")
            if fails {
                history.record(target, "STAGING_FAILED", "Staging failed: the source could not be read (injected)")
                return
            }
            do {
                try FileCopier.copy(from: source, to: temporary)
                if FileStat(path: target)?.isDirectory == true { try? FileManager.default.removeItem(atPath: target) }
                guard rename(temporary, target) == 0 else { throw AgaveError(500, "rename failed: errno \(errno)") }
                history.record(target, "STAGING_COMPLETED", "Staging completed successfully")
            } catch {
                try? FileManager.default.removeItem(atPath: temporary)
                history.record(target, "STAGING_FAILED", "Staging failed: \(error)")
            }
        }
    }
}
