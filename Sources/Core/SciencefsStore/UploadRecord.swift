import GRDB

/// Where an accepted write stands. A row exists from the moment the kernel's write is accepted into a staging
/// file until the upload is confirmed, so a crash or a failed upload never loses data silently.
public enum UploadState: String, Sendable, CaseIterable {
    /// Bytes are in the staging file; no upload has started (or it will be retried).
    case staged
    /// An upload is in progress; after a crash such rows are resumed.
    case uploading
    /// The last attempt failed; `error` says why.
    case failed
    /// The service confirmed the upload; the row may be removed.
    case done
}

/// One row of the upload journal.
public struct UploadRecord: Equatable, Sendable {
    public var id: Int64
    public var source: String
    /// Destination path within the source.
    public var path: String
    /// Absolute path of the local file holding the bytes to upload.
    public var stagingFile: String
    public var state: UploadState
    /// Why the last attempt failed (for `.failed`), shown to the user; never contains credentials.
    public var error: String?
    /// Seconds since the Unix epoch.
    public var createdAt: Double
    public var updatedAt: Double
}

extension UploadRecord {
    static let selectColumns = "id, source, path, stagingFile, state, error, createdAt, updatedAt"

    init(row: Row) throws {
        let stateText: String = row[4]
        guard let state = UploadState(rawValue: stateText) else {
            throw StoreError.corruptRecord("unknown upload state \(stateText)")
        }
        self.init(id: row[0], source: row[1], path: row[2], stagingFile: row[3], state: state, error: row[5],
                  createdAt: row[6], updatedAt: row[7])
    }
}
