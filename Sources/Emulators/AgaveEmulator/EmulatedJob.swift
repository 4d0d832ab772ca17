import Foundation

/// One job held by the emulator's job store, persisted as `<state>/jobs/<id>/record.json`. Its outputs are real
/// files under `<state>/jobs/<id>/outputs/`.
struct EmulatedJob: Codable, Sendable {
    struct Event: Codable, Sendable {
        var status: String
        var created: Date
        var description: String
    }

    /// Durations for a job that advances on its own (RUNNING → ARCHIVING → FINISHED) as time passes.
    struct Timeline: Codable, Sendable {
        var running: TimeInterval
        var archiving: TimeInterval
        /// A line is appended to `progress.log` every `logInterval` seconds while the job runs.
        var logInterval: TimeInterval
        /// How many progress lines have been written so far.
        var linesWritten: Int = 0
    }

    var id: String
    var name: String
    var owner: String
    var appId: String
    var executionSystem: String
    var archiveSystem: String?
    var status: String
    var created: Date
    var startTime: Date?
    var endTime: Date?
    var lastModified: Date
    var history: [Event]
    var timeline: Timeline?

    var archivePath: String { "\(owner)/archive/jobs/job-\(id)" }
    var isTerminal: Bool { JobLifecycle.terminal.contains(status) }

    /// When the job reached `status` last (for timelines).
    func reached(_ status: String) -> Date? { history.last { $0.status == status }?.created }
}

/// Agave's job states and the order a successful job passes through them (`JobStatusType`).
enum JobLifecycle {
    static let happyPath = ["PENDING", "PROCESSING_INPUTS", "STAGING_INPUTS", "STAGED", "STAGING_JOB", "SUBMITTING",
                            "QUEUED", "RUNNING", "CLEANING_UP", "ARCHIVING", "ARCHIVING_FINISHED", "FINISHED"]
    static let all = happyPath + ["PAUSED", "ARCHIVING_FAILED", "KILLED", "STOPPED", "FAILED"]
    static let terminal: Set<String> = ["FINISHED", "FAILED", "STOPPED", "KILLED", "ARCHIVING_FAILED"]

    /// The states a job moves through from `current` to reach `target`: the rest of the happy path when
    /// `target` lies ahead on it, else `target` alone (a failure, a pause, a stop).
    static func steps(from current: String?, to target: String) -> [String] {
        guard let end = happyPath.firstIndex(of: target) else { return [target] }
        let start = current.flatMap { happyPath.firstIndex(of: $0) }.map { $0 + 1 } ?? 0
        return start <= end ? Array(happyPath[start...end]) : [target]
    }

    static func describe(_ status: String) -> String {
        switch status {
        case "PENDING": return "Job accepted and queued for submission."
        case "PROCESSING_INPUTS": return "Attempt 1 to process job inputs."
        case "STAGING_INPUTS": return "Transferring job input data to execution system"
        case "STAGED": return "Job inputs staged to execution system"
        case "STAGING_JOB": return "Staging runtime assets to execution system"
        case "SUBMITTING": return "Preparing job for submission."
        case "QUEUED": return "Job queued to execution system queue"
        case "RUNNING": return "Job started running"
        case "CLEANING_UP": return "Job completed execution"
        case "ARCHIVING": return "Beginning to archive output."
        case "ARCHIVING_FINISHED": return "Job archiving completed successfully."
        case "FINISHED": return "Job complete"
        case "FAILED": return "Job failed"
        case "KILLED": return "Job was killed by the user"
        case "STOPPED": return "Job execution was stopped"
        case "PAUSED": return "Job execution paused"
        case "ARCHIVING_FAILED": return "Job archiving failed"
        default: return "Job status changed to \(status)"
        }
    }
}
