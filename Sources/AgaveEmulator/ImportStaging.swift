import Foundation
import Glibc

/// Imports (`urlToIngest`) staged asynchronously, as real Agave stages them (docs/protocols/agave.md §4.4–4.5): the
/// request is answered first (202, `STAGING_QUEUED`); the copy runs afterwards on a queue of its own, into a
/// temporary name that is renamed into place, so the destination never shows half its bytes. The path's history
/// (`GET /files/v2/history/…`) tells the progress: `STAGING_QUEUED`, `STAGING`, then `STAGING_COMPLETED` or
/// `STAGING_FAILED`. A test makes imports fail with `failImports(whosePathContains:)`.
///
/// Thread-safe: `lock` guards `events` and `failing`.
public final class ImportStaging: @unchecked Sendable {
    public struct Event: Sendable {
        public var status: String
        public var created: Date
        public var description: String
    }

    private let lock = NSLock()
    private var events: [String: [Event]] = [:]
    private var failing: [String] = []
    private let queue = DispatchQueue(label: "agave-emulator.import-staging")
    /// How long an import waits in the queue before its copy starts.
    public var delay: TimeInterval = 0.05

    /// Imports whose destination path contains `fragment` end in `STAGING_FAILED`, with no file, until
    /// `removeAllFailures()`.
    public func failImports(whosePathContains fragment: String) {
        lock.withLock { failing.append(fragment) }
    }

    public func removeAllFailures() {
        lock.withLock { failing.removeAll() }
    }

    /// The import events recorded for the file at `path` (a path on the emulator's disk), oldest first.
    func history(of path: String) -> [Event] {
        lock.withLock { events[path] ?? [] }
    }

    /// Queues the copy of `source` to `target` (paths on the emulator's disk); `temporary` is where the bytes are
    /// put together first (on the same filesystem as `target`).
    func queue(from source: String, to target: String, temporary: String) {
        record(target, "STAGING_QUEUED", "File/folder queued for staging")
        let fails = lock.withLock { failing.contains { target.contains($0) } }
        queue.asyncAfter(deadline: .now() + delay) { [self] in
            record(target, "STAGING", "Staging file/folder from the source URL")
            if fails {
                record(target, "STAGING_FAILED", "Staging failed: the source could not be read (injected)")
                return
            }
            do {
                try FileCopier.copy(from: source, to: temporary)
                if FileStat(path: target)?.isDirectory == true { try? FileManager.default.removeItem(atPath: target) }
                guard rename(temporary, target) == 0 else { throw AgaveError(500, "rename failed: errno \(errno)") }
                record(target, "STAGING_COMPLETED", "Staging completed successfully")
            } catch {
                try? FileManager.default.removeItem(atPath: temporary)
                record(target, "STAGING_FAILED", "Staging failed: \(error)")
            }
        }
    }

    private func record(_ path: String, _ status: String, _ description: String) {
        lock.withLock { events[path, default: []].append(Event(status: status, created: Date(), description: description)) }
    }
}
