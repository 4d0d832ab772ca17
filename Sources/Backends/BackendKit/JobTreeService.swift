import Foundation
import SciencefsCore
import SciencefsHTTP

/// What a service's jobs API must answer for `JobTree` to show its jobs as `jobs/` (layout in `JobTreeLocation`).
/// Each call is one request (or one page); errors leave as the service's `HTTPError`/`FSError`, mapped by the backend.
public protocol JobTreeService: Sendable {
    associatedtype Summary: JobSummary & Sendable

    /// The job states `.status/` lists (also the only names `.status/<STATUS>` accepts).
    var allStatuses: [String] { get }
    /// Whether a directory-name suffix is shaped like the service's job ids (tried first when resolving a name).
    func hasIDShape(_ text: String) -> Bool

    /// One page of the user's jobs, narrowed by `filter` where the service can search (rows that do not match are
    /// dropped by the tree in any case).
    func jobs(filter: JobFilter?, limit: Int, offset: Int) throws -> [Summary]
    /// One job and its full record as the server sent it (the reply body), nil when there is no such job.
    func job(id: String) throws -> (summary: Summary, body: Data, url: String)?
    /// One page of a job's history events, as raw JSON values.
    func historyPage(of job: Summary, limit: Int, offset: Int) throws -> [Any]
    /// One page of the listing of an output path (a file's listing is that file).
    func outputs(of job: Summary, path: [String], limit: Int, offset: Int) throws -> [JobOutputRow]
    /// Streams `range` of an output file; throws `HTTPError.status(416, …)` when it reaches past the end.
    func downloadOutput(of job: Summary, path: [String], range: ByteRange,
                        sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64
    /// The URL `downloadOutput` reads from (`user.sciencefs.served_from`); made without a request.
    func outputURL(of job: Summary, path: [String]) -> String

    /// The job directory's mtime, and the job's extended attributes (`user.<service>.job.*`).
    func mtime(of job: Summary) -> Date
    func xattrs(of job: Summary) -> [String: String]
}

/// One row of an output listing, in filesystem terms.
public struct JobOutputRow: Sendable {
    public var name: String
    public var isDirectory: Bool
    public var size: UInt64
    public var mtime: Date?
    /// The service's permissions as mode bits (write bits are cleared by the tree: outputs are read-only).
    public var mode: UInt16
    /// True when the row is the listed path itself rather than a child of it (a file's listing).
    public var isItself: Bool

    public init(name: String, isDirectory: Bool, size: UInt64, mtime: Date?, mode: UInt16, isItself: Bool) {
        self.name = name
        self.isDirectory = isDirectory
        self.size = size
        self.mtime = mtime
        self.mode = mode
        self.isItself = isItself
    }
}
