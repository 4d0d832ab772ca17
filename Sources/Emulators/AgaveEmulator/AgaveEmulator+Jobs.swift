import Foundation

/// Test and demo API for jobs. A job's outputs are real files (`jobOutputURL`), so tests compare what tools
/// read through the mount with what the server holds.
extension AgaveEmulator {
    /// Durations of a job that advances by itself: `running` seconds in RUNNING (appending a line to
    /// `progress.log` every `logInterval` seconds), then `archiving` seconds in ARCHIVING, then FINISHED.
    public struct JobTimeline: Sendable {
        public var running: TimeInterval
        public var archiving: TimeInterval
        public var logInterval: TimeInterval

        public init(running: TimeInterval, archiving: TimeInterval, logInterval: TimeInterval = 1) {
            self.running = running
            self.archiving = archiving
            self.logInterval = logInterval
        }
    }

    /// Every job state Agave reports, in the order a successful job passes through the first twelve.
    public static var jobStatuses: [String] { JobLifecycle.all }

    /// Adds a job that has gone through every state up to `status` (one second apart, starting at `created`),
    /// with `outputs` (relative path → bytes) written under its output folder. Returns the new job's id,
    /// shaped like Agave's (`<uuid>-007`). `owner` defaults to the first configured user (sorted).
    /// With a `timeline`, a RUNNING job moves on to ARCHIVING and FINISHED by itself as time passes.
    @discardableResult
    public func addJob(name: String, appId: String, executionSystem: String, status: String = "FINISHED",
                       outputs: [String: Data] = [:], created: Date = Date(), owner: String? = nil,
                       timeline: JobTimeline? = nil) throws -> String {
        guard JobLifecycle.all.contains(status) else { throw JobStoreError.unknownStatus(status) }
        let id = UUID().uuidString.lowercased() + "-007"
        let job = EmulatedJob(
            id: id, name: name, owner: owner ?? configuration.users.keys.sorted().first ?? "demo", appId: appId,
            executionSystem: executionSystem, archiveSystem: state.registry.defaultSystem?.id, status: status,
            created: created, startTime: nil, endTime: nil, lastModified: created, history: [],
            timeline: timeline.map { .init(running: $0.running, archiving: $0.archiving, logInterval: $0.logInterval) })
        try state.jobs.add(job, outputs: outputs)
        return id
    }

    /// Moves a job to `status` now, passing through the intermediate states of a successful run when `status`
    /// lies ahead on that path (RUNNING → FINISHED records CLEANING_UP, ARCHIVING, ARCHIVING_FINISHED too).
    public func advanceJob(id: String, to status: String, at date: Date = Date()) throws {
        guard JobLifecycle.all.contains(status) else { throw JobStoreError.unknownStatus(status) }
        try state.jobs.advance(id, to: status, at: date)
    }

    /// Appends `data` to output `path` of a job (creating the file and its folders).
    public func appendOutput(jobID: String, path: String, data: Data) throws {
        try state.jobs.append(data, jobID: jobID, path: path)
    }

    /// Where output `path` of a job lives on disk ("" for the output folder itself).
    public func jobOutputURL(jobID: String, path: String = "") -> URL {
        path.split(separator: "/").reduce(state.jobs.outputsDirectory(of: jobID)) { $0.appendingPathComponent(String($1)) }
    }

    /// The current state of a job, after any timeline progress due by now; nil for an unknown id.
    public func jobStatus(id: String) -> String? {
        state.jobs.catchUp(now: Date())
        return state.jobs.job(id)?.status
    }
}
