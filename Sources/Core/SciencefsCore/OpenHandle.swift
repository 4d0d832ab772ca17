import Foundation

/// What every open file description (one `open()` in a process) has, read or write: the file it names and the
/// attributes it was opened with. The two kinds are `ReadHandle` (reads through the data cache) and `WriteHandle`
/// (writes into a staged file that is uploaded).
///
/// `@unchecked Sendable` because of `orphanIno`, guarded by `VFS.lock`; the rest is `let`, set at open.
class OpenHandle: @unchecked Sendable {
    let key: NodeKey
    let attributes: RemoteAttributes
    /// Set (under `VFS.lock`) when the file was unlinked while this handle was open: the inode it belongs to.
    var orphanIno: UInt64?

    init(key: NodeKey, attributes: RemoteAttributes) {
        self.key = key
        self.attributes = attributes
    }
}
