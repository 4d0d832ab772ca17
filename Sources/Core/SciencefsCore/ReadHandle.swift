import Foundation
import SciencefsStore

/// A handle opened for reading: reads go through the data cache, with readahead.
///
/// `@unchecked Sendable` because of its few `var`s, each guarded by a named lock: `readLock` guards
/// `verificationFailure`, `checkedComplete`, `verifiedWhole` (and the `readahead` window); `VFS.lock` guards
/// `localCopy` (and the inherited `orphanIno`). Everything else is a `let` set at open.
final class ReadHandle: OpenHandle, @unchecked Sendable {
    /// Disk cache of the remote bytes; nil if the cache is unavailable.
    let cacheObject: CachedObject?
    let readahead: ReadaheadWindow
    /// Background readahead into `cacheObject` (nil without a cache object).
    let prefetcher: Prefetcher?
    /// Serializes reads of one handle so parallel kernel reads don't fetch the same range twice.
    let readLock = NSLock()
    /// Set (under `readLock`) when the file failed checksum verification: every later read of this handle fails
    /// too, so a retried page read cannot slip the bad bytes past the check.
    var verificationFailure: FSError?
    /// Set (under `readLock`) once this handle has seen the object complete.
    var checkedComplete = false
    /// Set (under `VFS.lock`) for a read handle on an unlinked file: the local copy of the bytes it keeps reading.
    var localCopy: StagedFile?
    /// What the service's checksums are checked against, and when (nil: the service publishes none).
    let checksums: [Checksum]
    let verifyMode: VerifyMode?
    /// Set (under `readLock`) once a whole-before-read file has been verified for this handle.
    var verifiedWhole = false
    /// The journaled bytes of a write that waits for its source to come back (`VFS.parkedCopy`): read instead of
    /// the server's, which does not have them yet. Closed by `release`; the bytes stay the upload's.
    let parkedCopy: StagedFile?

    init(key: NodeKey, attributes: RemoteAttributes, cacheObject: CachedObject?, readahead: ReadaheadWindow,
         prefetcher: Prefetcher? = nil, checksums: [Checksum] = [], verifyMode: VerifyMode? = nil,
         parkedCopy: StagedFile? = nil) {
        self.parkedCopy = parkedCopy
        self.checksums = checksums
        self.verifyMode = verifyMode
        self.cacheObject = cacheObject
        self.readahead = readahead
        self.prefetcher = prefetcher
        super.init(key: key, attributes: attributes)
    }
}
