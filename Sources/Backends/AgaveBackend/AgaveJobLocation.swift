import SciencefsCore

/// Where a path below `<source>/jobs/` points. The layout (documented for users in docs/sources/agave.md, "Jobs"):
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
enum AgaveJobLocation: Equatable {
    /// `jobs/` or a filter directory: a list of job directories, narrowed by `filter` when one is given.
    case jobList(filter: AgaveJobFilter?)
    /// `jobs/.status/`: the known job states.
    case statusFilters
    /// `jobs/.app/`: lookup-only.
    case appFilters
    /// `jobs/<dir>/…`; `path` is what follows the job directory.
    case job(directory: String, path: [String])

    static let statusDirectory = ".status"
    static let appDirectory = ".app"
    static let recordFile = "job.json"
    static let historyFile = "history.json"
    static let outputsDirectory = "outputs"

    /// `components` are the path components after `jobs`.
    init(_ components: [String]) throws {
        guard let first = components.first else {
            self = .jobList(filter: nil)
            return
        }
        let filter: AgaveJobFilter
        switch first {
        case Self.statusDirectory:
            guard components.count > 1 else { self = .statusFilters; return }
            let status = components[1]
            guard AgaveJobStatus.isKnown(status) else { throw FSError.notFound }
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

/// A search term of the jobs search API: `GET /jobs/v2/?<field>=<value>`.
enum AgaveJobFilter: Equatable {
    case status(String)
    case app(String)

    var field: String {
        switch self {
        case .status: return "status"
        case .app: return "appId"
        }
    }

    var value: String {
        switch self {
        case .status(let v), .app(let v): return v
        }
    }
}

/// What a path inside one job directory is.
enum AgaveJobItem: Equatable {
    case directory
    case record
    case history
    case outputs([String])

    init(_ path: [String]) throws {
        guard let first = path.first else { self = .directory; return }
        switch first {
        case AgaveJobLocation.recordFile where path.count == 1: self = .record
        case AgaveJobLocation.historyFile where path.count == 1: self = .history
        case AgaveJobLocation.outputsDirectory: self = .outputs(Array(path.dropFirst()))
        default: throw FSError.notFound
        }
    }
}
