import Foundation
import SciencefsStore

/// State of one open file description (one `open()` in a process).
///
/// `@unchecked Sendable` because of its few `var`s, each guarded by a named lock: `readLock` guards
/// `verificationFailure`, `checkedComplete`, `verifiedWhole` (and the `readahead` window); `VFS.lock` guards
/// `orphanIno` and `localCopy`. Everything else is a `let` set at open.
final class OpenFile: @unchecked Sendable {
    let key: NodeKey
    let attributes: RemoteAttributes
    let writable: Bool
    /// Set for handles opened for writing: the shared staged file.
    let staged: StagedFile?
    /// Disk cache of the remote bytes, for read handles; nil if the cache is unavailable.
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
    /// Set (under `VFS.lock`) when the file was unlinked while this handle was open: the inode it belongs to.
    var orphanIno: UInt64?
    /// Set (under `VFS.lock`) for a read handle on an unlinked file: the local copy of the bytes it keeps reading.
    var localCopy: StagedFile?
    /// What the service's checksums are checked against, and when (nil: the service publishes none).
    let checksums: [Checksum]
    let verifyMode: VerifyMode?
    /// Set (under `readLock`) once a whole-before-read file has been verified for this handle.
    var verifiedWhole = false

    init(key: NodeKey, attributes: RemoteAttributes, writable: Bool, staged: StagedFile?,
         cacheObject: CachedObject?, readahead: ReadaheadWindow, prefetcher: Prefetcher? = nil,
         checksums: [Checksum] = [], verifyMode: VerifyMode? = nil) {
        self.checksums = checksums
        self.verifyMode = verifyMode
        self.key = key
        self.attributes = attributes
        self.writable = writable
        self.staged = staged
        self.cacheObject = cacheObject
        self.readahead = readahead
        self.prefetcher = prefetcher
    }
}

/// File handle numbers given to the kernel (`fi->fh`). Guarded by the VFS lock.
struct HandleTable {
    private var files: [UInt64: OpenFile] = [:]
    private var next: UInt64 = 1

    mutating func add(_ file: OpenFile) -> UInt64 {
        let fh = next
        next += 1
        files[fh] = file
        return fh
    }

    func get(_ fh: UInt64) -> OpenFile? { files[fh] }

    mutating func remove(_ fh: UInt64) -> OpenFile? { files.removeValue(forKey: fh) }

    var count: Int { files.count }

    /// Every open file (for the rare walks: an unlink looking for descriptors still open on the file).
    var all: [OpenFile] { Array(files.values) }
}
