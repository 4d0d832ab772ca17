import GRDB

/// The upload journal: the durable record of writes the mount has accepted but the service has not yet confirmed.
/// After a restart, rows in `.staged`, `.uploading` or `.failed` are the work to resume or report.
extension MetadataStore {
    /// Records a new upload in state `.staged` and returns its id.
    @discardableResult
    public func addUpload(source: String, path: String, stagingFile: String) throws -> Int64 {
        try StorePath.validate(path)
        let now = Self.now()
        return try database.write { db in
            try db.execute(sql: """
                INSERT INTO uploads (source, path, stagingFile, state, error, createdAt, updatedAt)
                VALUES (?, ?, ?, ?, NULL, ?, ?)
                """, arguments: [source, path, stagingFile, UploadState.staged.rawValue, now, now])
            return db.lastInsertedRowID
        }
    }

    /// Moves an upload to `state`, recording `error` (cleared when nil). Unknown ids are ignored: the row may have
    /// been removed by a concurrent completion.
    public func setUploadState(id: Int64, state: UploadState, error: String? = nil) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE uploads SET state = ?, error = ?, updatedAt = ? WHERE id = ?",
                           arguments: [state.rawValue, error, Self.now(), id])
        }
    }

    /// The uploads in any of `states`, oldest first.
    public func uploads(in states: [UploadState]) throws -> [UploadRecord] {
        if states.isEmpty { return [] }
        let placeholders = Array(repeating: "?", count: states.count).joined(separator: ", ")
        return try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(UploadRecord.selectColumns) FROM uploads WHERE state IN (\(placeholders)) ORDER BY id
                """, arguments: StatementArguments(states.map(\.rawValue))).map(UploadRecord.init(row:))
        }
    }

    /// Kept uploads of the same file made after `record`: sending `record`'s older bytes over them would lose that
    /// later write, so a retry refuses while there are any.
    public func laterUploads(than record: UploadRecord) throws -> [UploadRecord] {
        try uploads(in: [.staged, .uploading, .failed])
            .filter { $0.id > record.id && $0.source == record.source && $0.path == record.path }
    }

    /// The upload with `id`, or nil.
    public func upload(id: Int64) throws -> UploadRecord? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT \(UploadRecord.selectColumns) FROM uploads WHERE id = ?",
                             arguments: [id]).map(UploadRecord.init(row:))
        }
    }

    /// Deletes the journal row (the staging file is the caller's to delete).
    public func removeUpload(id: Int64) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM uploads WHERE id = ?", arguments: [id])
        }
    }
}
