import Foundation

/// A handle opened for writing (`O_WRONLY`, `O_RDWR`, `create`): its writes go to the staged file it shares with
/// every other writer of the same file, which is uploaded on close (or streamed while written; see
/// `StreamingUpload`). Reads through it come from the staged file too.
///
/// Every stored property is a `let`; `@unchecked Sendable` only because the base class is.
final class WriteHandle: OpenHandle, @unchecked Sendable {
    /// The staged bytes, shared by every handle open for writing on the node.
    let staged: StagedFile
    /// Reads of the server's bytes after a server-side copy made this file (`StagedFile.holdsServerCopy`): the
    /// staged file is an empty placeholder then. Uncached, with no readahead.
    let serverReads: ReadHandle

    init(key: NodeKey, attributes: RemoteAttributes, staged: StagedFile, readahead: ReadaheadWindow) {
        self.staged = staged
        serverReads = ReadHandle(key: key, attributes: attributes, cacheObject: nil, readahead: readahead)
        super.init(key: key, attributes: attributes)
    }
}
