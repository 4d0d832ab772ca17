import Foundation

/// A JDMA user (`User` model): created by `addUser` or `POST api/v1/user`.
struct JDMAUser {
    var name: String
    var email: String
    var notify: Bool
}

/// A group workspace with a quota per storage backend (`Groupworkspace` + `StorageQuota`). `used` is charged when
/// a PUT is accepted (so concurrent submissions cannot overcommit) and released when it fails or its batch is
/// deleted.
struct JDMAWorkspace {
    var name: String
    var members: Set<String>
    var quota: [String: Int64]
    var used: [String: Int64]
}

/// One file of a batch: its original absolute path on the shared disk, and where its bytes live in the store.
struct JDMABatchFile {
    var pk: Int
    var originalPath: String
    /// Path relative to the batch's common path (what a GET restores under `target_path`).
    var relativePath: String
    var size: Int64
    var digest: String
}

/// A batch (`Migration`). Its files form one archive (Elastic Tape packs a batch into tar files; the emulator
/// reports one archive per batch).
struct JDMABatch {
    var id: Int
    var user: String
    var workspace: String
    var label: String
    var storage: String
    var stage: JDMABatchStage
    var externalID: String?
    var registeredDate: Date?
    /// Directory prefix shared by every original path, ending in `/`.
    var commonPath: String
    var files: [JDMABatchFile]
    var archivePK: Int

    var totalSize: Int64 { files.reduce(0) { $0 + $1.size } }
}

/// A request (`MigrationRequest`). `stageEnteredAt`/`dueAt` drive the time-based stage machine.
struct JDMARequest {
    var id: Int
    var user: String
    var type: JDMARequestType
    var batchID: Int
    var stage: JDMARequestStage
    var date: Date
    /// For PUT/MIGRATE the absolute source paths; for GET the paths relative to the batch's common path.
    var filelist: [String]
    var targetPath: String?
    var failureReason: String?
    /// When the request completes on its own (nil: only an explicit `advance` completes it).
    var dueAt: Date?
}
