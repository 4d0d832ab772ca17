import GRDB

/// One server-side job as the journal keeps it. The store does not interpret `files`: it is the Core's JSON.
public struct TransferJobRecord: Equatable, Sendable {
    public var service: String
    public var jobID: String
    public var state: String
    public var reason: String?
    public var files: String
    /// Who submitted it: "mount" (a `cp` inside the mount) or "cli" (`sciencefs cp`).
    public var origin: String
    /// The mount has refreshed the destinations after the job ended.
    public var applied: Bool
    /// Seconds since the Unix epoch.
    public var createdAt: Double
    public var updatedAt: Double

    public init(service: String, jobID: String, state: String, reason: String? = nil, files: String, origin: String,
                applied: Bool = false, createdAt: Double = 0, updatedAt: Double = 0) {
        self.service = service
        self.jobID = jobID
        self.state = state
        self.reason = reason
        self.files = files
        self.origin = origin
        self.applied = applied
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    static let selectColumns = "service, jobId, state, reason, files, origin, applied, createdAt, updatedAt"

    init(row: Row) {
        self.init(service: row[0], jobID: row[1], state: row[2], reason: row[3], files: row[4], origin: row[5],
                  applied: row[6], createdAt: row[7], updatedAt: row[8])
    }
}

/// The transfer journal: every server-side job a mount or `sciencefs cp` submitted, so that a restarted daemon polls
/// the unfinished ones again instead of forgetting them, and `.sciencefs/transfers/` and `sciencefs status` can show
/// them. Several processes (the daemon, `sciencefs cp`) write it; each write is one short transaction.
extension MetadataStore {
    /// Records a newly submitted job, updated now and created at `record.createdAt` (now when 0: a job asked for
    /// before its submission returned, such as an Agave import, is dated when it was asked for).
    public func addTransferJob(_ record: TransferJobRecord) throws {
        let now = Self.now()
        let created = record.createdAt > 0 ? record.createdAt : now
        try database.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO transfer_jobs (\(TransferJobRecord.selectColumns))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [record.service, record.jobID, record.state, record.reason, record.files, record.origin,
                                 record.applied, created, now])
        }
    }

    /// Records what the service last said of a job. Unknown jobs are ignored.
    public func updateTransferJob(service: String, jobID: String, state: String, reason: String?, files: String) throws {
        try database.write { db in
            try db.execute(sql: """
                UPDATE transfer_jobs SET state = ?, reason = ?, files = ?, updatedAt = ? WHERE service = ? AND jobId = ?
                """, arguments: [state, reason, files, Self.now(), service, jobID])
        }
    }

    /// Marks a finished job's destinations as refreshed in the mount.
    public func markTransferJobApplied(service: String, jobID: String) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE transfer_jobs SET applied = 1 WHERE service = ? AND jobId = ?",
                           arguments: [service, jobID])
        }
    }

    /// Every job, newest first; `limit` keeps the view of a long-lived mount bounded.
    public func transferJobs(limit: Int = 500) throws -> [TransferJobRecord] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(TransferJobRecord.selectColumns) FROM transfer_jobs ORDER BY createdAt DESC, jobId LIMIT ?
                """, arguments: [limit]).map(TransferJobRecord.init(row:))
        }
    }

    /// Jobs the mount still has to look after: not yet applied (running, or ended but destinations not refreshed).
    public func unappliedTransferJobs() throws -> [TransferJobRecord] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(TransferJobRecord.selectColumns) FROM transfer_jobs WHERE applied = 0 ORDER BY createdAt
                """).map(TransferJobRecord.init(row:))
        }
    }

    public func transferJob(service: String, jobID: String) throws -> TransferJobRecord? {
        try database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT \(TransferJobRecord.selectColumns) FROM transfer_jobs WHERE service = ? AND jobId = ?
                """, arguments: [service, jobID]).map(TransferJobRecord.init(row:))
        }
    }
}
