import Foundation
import Glibc

/// Uploads staged asynchronously, as real Agave stages them (docs/protocols/agave.md §4.4): the service keeps the
/// received bytes in a cache of its own, answers 202 with `STAGING_QUEUED`, and moves them to the storage system
/// afterwards. Until then the destination shows what it showed before (nothing, or the previous version). The
/// file's history (`FileHistoryLog`) tells the progress: `STAGING_QUEUED` at the request, then `UPLOAD` and
/// `STAGING_COMPLETED` once the bytes are in place, or `STAGING_FAILED` with the reason, the bytes gone.
extension StagingQueue {
    /// Takes over the received bytes at `cached` and queues their move to `target` (both on the emulator's disk,
    /// one filesystem).
    func queueUpload(cached: String, to target: String, agaveTarget: String) {
        let history = self.history
        enqueue(target: target) { fails in
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
