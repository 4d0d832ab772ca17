import Foundation
import Glibc

/// Imports (`urlToIngest`) staged asynchronously, as real Agave stages them (docs/protocols/agave.md §4.4–4.5): the
/// request is answered first (202, `STAGING_QUEUED`); the copy runs afterwards, into a temporary name that is
/// renamed into place, so the destination never shows half its bytes. The path's history tells the progress:
/// `STAGING_QUEUED`, `STAGING`, then `STAGING_COMPLETED` or `STAGING_FAILED`.
extension StagingQueue {
    /// Queues the copy of `source` to `target` (paths on the emulator's disk); `temporary` is where the bytes are
    /// put together first (on the same filesystem as `target`).
    func queueImport(from source: String, to target: String, temporary: String) {
        let history = self.history
        enqueue(target: target) { fails in
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
