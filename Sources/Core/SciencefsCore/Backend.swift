import Foundation

/// How long cached metadata from one source stays fresh.
public struct CachePolicy: Sendable, Equatable {
    public var attributeTTL: TimeInterval
    public var listingTTL: TimeInterval
    public var negativeTTL: TimeInterval

    public init(attributeTTL: TimeInterval = 60, listingTTL: TimeInterval = 60, negativeTTL: TimeInterval = 10) {
        self.attributeTTL = attributeTTL
        self.listingTTL = listingTTL
        self.negativeTTL = negativeTTL
    }
}

/// A place a server-side copy can read from: another source's object.
public struct RemoteRef: Sendable, Equatable {
    public var source: String
    public var path: RemotePath
    public init(source: String, path: RemotePath) {
        self.source = source
        self.path = path
    }
}

public enum CopyOutcome: Sendable, Equatable {
    /// The server copied the object; the new object's attributes.
    case copied(RemoteAttributes)
    /// No server-side path exists; the kernel should stream the bytes instead.
    case notPossible
}

/// The seam between the VFS and one service. A backend knows nothing of FUSE; it speaks its service's
/// protocol and maps its objects to files and directories under the source's root.
///
/// Thread-safety: every method may be called concurrently from many threads; calls block until done.
/// Errors: every method throws `FSError` (an HTTP 404 is `.notFound`, a 500 after retries is `.io(why)`...).
public protocol Backend: AnyObject, Sendable {
    /// The source's name, its directory in the mount root.
    var name: String { get }
    var cachePolicy: CachePolicy { get }
    /// The policy for one path, when parts of a source change at different rates (a running job's outputs
    /// versus a finished one's). Defaults to `cachePolicy`.
    func cachePolicy(for path: RemotePath) -> CachePolicy
    /// False when the source is read-only (the Core answers EROFS without asking).
    var isWritable: Bool { get }

    /// Attributes of one object.
    func stat(_ path: RemotePath) throws -> RemoteAttributes
    /// All entries of a directory (every page fetched).
    func list(_ path: RemotePath) throws -> [RemoteEntry]
    /// Whether `list(path)` shows every name that `stat` can find directly inside `path`. When it does not (a
    /// Rucio scope lists only its top-level DIDs, yet any DID of the scope is reachable by name), a name missing
    /// from a fresh listing proves nothing, and the Core asks `stat` instead of answering ENOENT from the listing.
    /// Defaults to true.
    func listingIsComplete(_ path: RemotePath) -> Bool
    /// Called by the VFS before any other call: where the backend keeps what it learns about objects beyond their
    /// attributes and wants again later (DID records, replica lists, a batch's file tree). The Core owns them, under
    /// its TTL and invalidation (see `NodeFacts`); a backend keeps no cache of its own. The default ignores them.
    func attach(_ facts: NodeFacts)
    /// Called by the VFS before any other call, when the mount keeps a job journal: this source's door to the Core's
    /// job tracker. A backend that starts server-side jobs (imports, tape requests) registers its `JobService` and
    /// journals each job there, so the jobs survive a restart and show in `MNT/.sciencefs/transfers/`.
    /// The default ignores it.
    func attach(_ jobs: ServerJobs)
    /// Called by the VFS before any other call: where the backend says which replica, storage or URL each read came
    /// from (`user.sciencefs.served_from`). A backend that knows reports once per `read` call that delivered bytes,
    /// with the replica's URL and RSE, the download URL or the tape batch, and never a credential (BackendKit's
    /// `report(_:url:detail:)` strips them from a URL). The default ignores it.
    func attach(_ origins: ReadOrigins.Reporter)
    /// The id of the job that produced the file at `path` (`user.sciencefs.job`), when the path says so (an Agave
    /// job's outputs), answered without a request. nil (the default) for a file no job made.
    func producingJob(of path: RemotePath) -> String?
    /// Streams bytes `[offset, offset+length)` (clamped to the object's end) to `sink`, in order.
    /// Returns the number of bytes delivered.
    @discardableResult
    func read(_ path: RemotePath, offset: UInt64, length: UInt64,
              sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64
    /// Uploads the local file's bytes as `path`, replacing any object there. Never loads the file whole.
    func upload(from localFile: URL, to path: RemotePath) throws -> RemoteAttributes
    /// Whether `upload(streaming:to:)` can send a file while it is being written. Defaults to false: the Core then
    /// uploads each file whole at close.
    var streamsUploads: Bool { get }
    /// Uploads the bytes `source` yields as `path`, as a writer produces them: `source.read(into:)` blocks until the
    /// writer has written more, and returns 0 once `close()` marked the end. Called on a thread of its own while the
    /// file is written; returns once the server confirmed the whole file (as `upload(from:to:)` does). Must fail,
    /// leaving nothing of the file on the server, when `source` throws (the writer sought back, truncated...): the
    /// Core then uploads the staged file whole. The source cannot be rewound, so it is read once, never retried.
    /// The default throws `.unsupported`.
    func upload(streaming source: UploadStream, to path: RemotePath) throws -> RemoteAttributes
    func makeDirectory(_ path: RemotePath) throws -> RemoteAttributes
    func delete(_ path: RemotePath, kind: NodeKind) throws
    func rename(_ from: RemotePath, to: RemotePath) throws
    /// A server-side copy into this backend; `.notPossible` when none exists.
    func copy(from: RemoteRef, to: RemotePath) throws -> CopyOutcome
    /// Whole-object checksums the service vouches for. The Core verifies them (see `verificationPolicy`): a
    /// mismatch evicts the bytes and fails every read of that version of the file with EIO until it is refreshed.
    func checksums(of path: RemotePath, attributes: RemoteAttributes) -> [Checksum]
    /// Which files are verified whole before their first byte is served (`verify_whole_mb`). Defaults to 64 MiB.
    var verificationPolicy: VerificationPolicy { get }
    /// Extended attributes of an object (`getfattr`). The default answers `attributes.xattrs`; a backend may fetch
    /// more (a replica list, user metadata) here, since only an explicit xattr call pays for it. The Core keeps the
    /// answer for the path's attribute TTL (the kernel asks once per name), so this runs once per `getfattr -d`.
    func extendedAttributes(of path: RemotePath, attributes: RemoteAttributes) throws -> [String: String]
    /// `setfattr` on one of the backend's own names (e.g. `user.amie.client_state`): the backend acts on it.
    /// The default refuses with `.unsupported` (ENOTSUP).
    func setExtendedAttribute(of path: RemotePath, name: String, value: String) throws
    /// Called when a file is opened for reading, before any read: a backend whose data must first be staged
    /// (tape) starts that here. With `nonBlocking` (O_NONBLOCK) it must not wait: `.wouldBlock` (EAGAIN) if the
    /// data is not ready yet. The default does nothing.
    func prepareRead(_ path: RemotePath, attributes: RemoteAttributes, nonBlocking: Bool) throws
    /// Asked before a new file is created through the mount (`open` with O_CREAT). A backend that knows at once
    /// that the upload at close would be refused (a closed dataset, no upload target, a directory that holds no
    /// files) throws that error here, so the create fails instead of showing a name the server never gets.
    /// `parent` is the Core's view of the directory. The default allows every create.
    func checkCreate(_ path: RemotePath, parent: RemoteAttributes) throws
    /// The URL a third-party copy service (FTS3) reaches this object at: where it reads an existing file, or where
    /// it writes a new one. nil (the default) when the source exposes no such URL; a copy then streams.
    func transferURL(of path: RemotePath) throws -> String?
    /// `sciencefs stage` (`user.sciencefs.stage`): makes `files`, the files at or below `path`, ready to read the
    /// service's way, towards `target` when the user named a storage location (`--to`). The default (in
    /// StageRequest.swift) answers `.prefetch`: the Core copies the bytes into its data cache.
    func stage(_ path: RemotePath, files: [StageFile], target: String?) throws -> StageAnswer
}

extension Backend {
    public var isWritable: Bool { true }
    public func cachePolicy(for path: RemotePath) -> CachePolicy { cachePolicy }
    public func listingIsComplete(_ path: RemotePath) -> Bool { true }
    public func attach(_ facts: NodeFacts) {}
    public func attach(_ jobs: ServerJobs) {}
    public func attach(_ origins: ReadOrigins.Reporter) {}
    public func producingJob(of path: RemotePath) -> String? { nil }
    public var streamsUploads: Bool { false }
    public func upload(streaming source: UploadStream, to path: RemotePath) throws -> RemoteAttributes {
        throw FSError.unsupported
    }
    public func copy(from: RemoteRef, to: RemotePath) throws -> CopyOutcome { .notPossible }
    public func checksums(of path: RemotePath, attributes: RemoteAttributes) -> [Checksum] { [] }
    public var verificationPolicy: VerificationPolicy { VerificationPolicy() }
    public func extendedAttributes(of path: RemotePath, attributes: RemoteAttributes) throws -> [String: String] {
        attributes.xattrs
    }
    public func setExtendedAttribute(of path: RemotePath, name: String, value: String) throws {
        throw FSError.unsupported
    }
    public func prepareRead(_ path: RemotePath, attributes: RemoteAttributes, nonBlocking: Bool) throws {}
    public func checkCreate(_ path: RemotePath, parent: RemoteAttributes) throws {}
    public func transferURL(of path: RemotePath) throws -> String? { nil }
}

/// One server-side job, as `MNT/.sciencefs/transfers/<source>-<id>.json` shows it.
public struct TransferRecord: Codable, Sendable, Equatable {
    public var id: String
    /// e.g. "jdma-get", "jdma-put", "fts3", "agave-import".
    public var kind: String
    public var state: String
    /// Paths in the mount (or remote URLs) the job moves.
    public var files: [String]
    public var bytes: UInt64?
    /// Why it failed, or other detail worth showing.
    public var detail: String?
    public var updated: Date
    /// Bytes moved so far, when the service reports progress.
    public var bytesTransferred: UInt64?
    /// Per-file states of a multi-file job (FTS3).
    public var fileStates: [TransferFileStatus]?

    public init(id: String, kind: String, state: String, files: [String] = [], bytes: UInt64? = nil,
                detail: String? = nil, updated: Date = Date()) {
        self.id = id
        self.kind = kind
        self.state = state
        self.files = files
        self.bytes = bytes
        self.detail = detail
        self.updated = updated
    }
}
