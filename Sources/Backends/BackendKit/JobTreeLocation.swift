import SciencefsCore

/// Where a path below `<source>/jobs/` points, for every backend with a jobs tree (Agave, Tapis). The layout
/// (documented for users in docs/sources/agave.md and docs/sources/tapis.md, "Jobs"; URLs here are Agave's):
///
/// ```
/// jobs/                                  every job of the user, one directory each (paged GET /jobs/v2/)
/// jobs/<name>-<id>/                      one job; mtime = end time (else start, else creation time)
/// jobs/<name>-<id>/job.json              the job record (GET /jobs/v2/{id}), pretty-printed, read-only
/// jobs/<name>-<id>/history.json          its history events (GET /jobs/v2/{id}/history), read-only
/// jobs/<name>-<id>/outputs/<path>        the job's outputs (…/outputs/listings and …/outputs/media)
/// jobs/.status/                          the job states (RUNNING, FINISHED, …) as directories
/// jobs/.status/<STATUS>/<name>-<id>/…    only jobs in that state (GET /jobs/v2/?status=<STATUS>)
/// jobs/.app/<appId>/<name>-<id>/…        only jobs of that app (GET /jobs/v2/?appId=<appId>)
/// ```
///
/// `.status` and `.app` are dot-directories, so `ls jobs/` (and `ls -t`) shows only jobs; `ls -a` shows them.
/// They are listed rather than hidden because the Core treats a name missing from a fresh listing as absent.
/// Tools that walk `jobs/` recursively (`find`, `du`, `tar`) therefore also walk `.status/<STATUS>/` (one
/// search request per state); exclude them with `find jobs -path '*/.*' -prune` or `tar --exclude='.*'`.
/// `jobs/.app/` itself lists nothing (the app ids are not known without listing every job);
/// `jobs/.app/<appId>/` exists when at least one job of that app does (the backend declares `.app/`'s listing
/// incomplete, so the Core asks rather than inferring ENOENT from the empty listing).
public enum JobTreeLocation: Equatable, Sendable {
    /// `jobs/` or a filter directory: a list of job directories, narrowed by `filter` when one is given.
    case jobList(filter: JobFilter?)
    /// `jobs/.status/`: the known job states.
    case statusFilters
    /// `jobs/.app/`: lookup-only.
    case appFilters
    /// `jobs/<dir>/…`; `path` is what follows the job directory.
    case job(directory: String, path: [String])

    public static let statusDirectory = ".status"
    public static let appDirectory = ".app"
    public static let recordFile = "job.json"
    public static let historyFile = "history.json"
    public static let outputsDirectory = "outputs"

    /// `components` are the path components after `jobs`; `isKnownStatus` says which `.status/<STATUS>` exist.
    public init(_ components: [String], isKnownStatus: (String) -> Bool) throws {
        guard let first = components.first else {
            self = .jobList(filter: nil)
            return
        }
        let filter: JobFilter
        switch first {
        case Self.statusDirectory:
            guard components.count > 1 else { self = .statusFilters; return }
            let status = components[1]
            guard isKnownStatus(status) else { throw FSError.notFound }
            filter = .status(status)
        case Self.appDirectory:
            guard components.count > 1 else { self = .appFilters; return }
            filter = .app(components[1])
        default:
            self = .job(directory: first, path: Array(components.dropFirst()))
            return
        }
        if components.count == 2 {
            self = .jobList(filter: filter)
        } else {
            self = .job(directory: components[2], path: Array(components.dropFirst(3)))
        }
    }
}

/// What a filter directory narrows the job list to.
public enum JobFilter: Equatable, Sendable {
    case status(String)
    case app(String)

    public var value: String {
        switch self {
        case .status(let v), .app(let v): return v
        }
    }
}

/// What a path inside one job directory is.
public enum JobItem: Equatable, Sendable {
    case directory
    case record
    case history
    case outputs([String])

    public init(_ path: [String]) throws {
        guard let first = path.first else { self = .directory; return }
        switch first {
        case JobTreeLocation.recordFile where path.count == 1: self = .record
        case JobTreeLocation.historyFile where path.count == 1: self = .history
        case JobTreeLocation.outputsDirectory: self = .outputs(Array(path.dropFirst()))
        default: throw FSError.notFound
        }
    }
}
