import Foundation

/// Test and demo API for jobs. A job's outputs are real files (`jobOutputURL`), so tests compare what tools
/// read through the mount with what the server holds.
extension TapisEmulator {
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

    /// Every Tapis job status, the first nine in the order a successful job passes through them.
    public static var jobStatuses: [String] { TapisJobLifecycle.all }

    /// Adds a job that has gone through every state up to `status` (one second apart from `created`), with
    /// `outputs` (relative path → bytes) under its output folder. Returns its uuid (`<uuid>-007`, as Tapis
    /// shapes them). `owner` defaults to the first configured user (sorted).
    @discardableResult
    public func addJob(name: String, appId: String, appVersion: String = "1.0", execSystemId: String,
                       archiveSystemId: String? = nil, status: String = "FINISHED", outputs: [String: Data] = [:],
                       created: Date = Date(), owner: String? = nil, timeline: JobTimeline? = nil) throws -> String {
        guard TapisJobLifecycle.all.contains(status) else { throw EmulatorError.unknownJobStatus(status) }
        let uuid = UUID().uuidString.lowercased() + "-007"
        let job = TapisJob(uuid: uuid, name: name, owner: owner ?? configuration.users.keys.sorted().first ?? "demo",
                           appId: appId, appVersion: appVersion, execSystemId: execSystemId,
                           archiveSystemId: archiveSystemId ?? execSystemId, status: status, created: created,
                           lastUpdated: created, history: [],
                           timeline: timeline.map { .init(running: $0.running, archiving: $0.archiving,
                                                          logInterval: $0.logInterval) })
        try state.jobs.add(job, outputs: outputs)
        return uuid
    }

    /// Moves a job to `status` now, through the intermediate states of a successful run when `status` lies ahead.
    public func advanceJob(uuid: String, to status: String, at date: Date = Date()) throws {
        guard TapisJobLifecycle.all.contains(status) else { throw EmulatorError.unknownJobStatus(status) }
        try state.jobs.advance(uuid, to: status, at: date)
    }

    /// Appends `data` to output `path` of a job (creating the file and its folders).
    public func appendOutput(jobUUID: String, path: String, data: Data) throws {
        try state.jobs.append(data, uuid: jobUUID, path: path)
    }

    /// Where output `path` of a job lives on disk ("" for the output folder itself).
    public func jobOutputURL(jobUUID: String, path: String = "") -> URL {
        path.split(separator: "/").reduce(state.jobs.outputsDirectory(of: jobUUID)) { $0.appendingPathComponent(String($1)) }
    }

    /// The current status of a job, after any timeline progress due by now; nil for an unknown uuid.
    public func jobStatus(uuid: String) -> String? {
        state.jobs.catchUp(now: Date())
        return state.jobs.job(uuid)?.status
    }
}
