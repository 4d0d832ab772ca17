import BackendKit
import Foundation

/// One job as `GET /jobs/v2/` (a summary) or `GET /jobs/v2/{id}` (the full record) describes it
/// (docs/protocols/agave.md §4.9). Only the fields the filesystem shows are decoded; the full record is kept as raw JSON
/// for `job.json` (see `ResultDocuments`).
struct AgaveJobSummary: Decodable, Equatable, Sendable, JobSummary {
    let id: String
    let name: String?
    let owner: String?
    let appId: String?
    let executionSystem: String?
    let status: String
    let created: String?
    let submitTime: String?
    let startTime: String?
    let endTime: String?

    var isTerminal: Bool { AgaveJobStatus.isTerminal(status) }

    /// The job directory's mtime, so `ls -t jobs/` shows the newest first: the end time once the job has
    /// ended, else its start time, else when it was created or submitted. Epoch 0 when the server gave none.
    var mtime: Date {
        for text in [endTime, startTime, created, submitTime] {
            if let text, let date = ISOTimestamp.parse(text) { return date }
        }
        return Date(timeIntervalSince1970: 0)
    }
}

/// One row of `GET /jobs/v2/{id}/outputs/listings/{path}` (docs/protocols/agave.md §4.9). Unlike files listings there is no
/// `.` self row and the permission field is `permission`, singular (gotcha §6.6).
struct AgaveJobOutputRecord: Decodable {
    let name: String
    let path: String?
    let lastModified: String?
    let length: LenientNumber?
    let permission: String?
    let format: String?
    let mimeType: String?
    let type: String

    var isDirectory: Bool { type.lowercased() == "dir" || format?.lowercased() == "folder" }

    /// True when this row describes the listed path itself (a file's "listing" is that file) rather than a
    /// child of it. A child's `path` ends in `<requested>/<name>`; anything else is the item itself.
    func isItself(requested: [String]) -> Bool {
        guard let last = requested.last, name == last else { return false }
        guard let path else { return !isDirectory }
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        return !trimmed.hasSuffix((requested + [name]).joined(separator: "/"))
    }
}

/// Agave's job states (docs/protocols/agave.md §4.9, `JobStatusType`).
enum AgaveJobStatus {
    /// Every state a job can report (`HEARTBEAT` is internal and never shown).
    static let all = ["PENDING", "PROCESSING_INPUTS", "STAGING_INPUTS", "STAGED", "STAGING_JOB", "SUBMITTING",
                      "QUEUED", "RUNNING", "PAUSED", "CLEANING_UP", "ARCHIVING", "ARCHIVING_FINISHED",
                      "ARCHIVING_FAILED", "FINISHED", "KILLED", "STOPPED", "FAILED"]
    /// States after which neither the record nor the outputs change any more.
    static let terminal: Set<String> = ["FINISHED", "FAILED", "STOPPED", "KILLED", "ARCHIVING_FAILED"]

    static func isTerminal(_ status: String) -> Bool { terminal.contains(status.uppercased()) }
    static func isKnown(_ status: String) -> Bool { all.contains(status) }
}
