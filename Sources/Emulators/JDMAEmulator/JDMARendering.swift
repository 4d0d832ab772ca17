import EmulatorSupport
import Foundation

/// The JSON shapes of `views.py`: batches (migrations), requests, and the file/archive listings.
enum JDMARendering {
    static func date(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        // Python's isoformat(): `2026-11-23T13:24:57.123000+00:00`.
        return formatter.string(from: date).replacingOccurrences(of: "Z", with: "000+00:00")
    }

    static func batch(_ batch: JDMABatch) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("migration_id", .int(Int64(batch.id))), ("user", .string(batch.user)),
            ("workspace", .string(batch.workspace)), ("label", .string(batch.label)),
            ("stage", .int(Int64(batch.stage.rawValue))), ("storage", .string(batch.storage)),
        ]
        if let external = batch.externalID { members.append(("external_id", .string(external))) }
        if let registered = batch.registeredDate { members.append(("registered_date", .string(date(registered)))) }
        return .object(members)
    }

    static func request(_ request: JDMARequest, batch: JDMABatch?, single: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("request_id", .int(Int64(request.id))), ("user", .string(request.user)),
            ("request_type", .int(Int64(request.type.rawValue))), ("migration_id", .int(Int64(request.batchID))),
            ("label", .string(batch?.label ?? "")), ("workspace", .string(batch?.workspace ?? "")),
            ("storage", .string(batch?.storage ?? "")), ("stage", .int(Int64(request.stage.rawValue))),
            ("date", .string(date(request.date))),
        ]
        if single {
            if request.type != .delete { members.append(("filelist", .array(request.filelist.map(JSONValue.string)))) }
            if let reason = request.failureReason { members.append(("failure_reason", .string(reason))) }
        }
        return .object(members)
    }

    /// One `migrations[]` entry of `file/` (with files) or `archive/` (without). `limit` 0 = all files.
    static func archives(of batch: JDMABatch, withFiles: Bool, limit: Int) -> JSONValue {
        var archive: [(String, JSONValue)] = [
            ("archive_id", .string("\(batch.workspace)_\(batch.id)_0000")), ("pk", .int(Int64(batch.archivePK))),
            ("size", .int(batch.totalSize)), ("limit", .int(Int64(limit))),
            ("digest", .string(archiveDigest(batch))), ("digest_format", .string("SHA256")),
        ]
        if withFiles {
            let files = limit > 0 ? Array(batch.files.prefix(limit)) : batch.files
            archive.append(("files", .array(files.map { file in
                .object([("pk ", .int(Int64(file.pk))), ("path", .string(file.originalPath)), ("size", .int(file.size)),
                         ("digest", .string(file.digest)), ("digest_format", .string("SHA256"))])
            })))
        }
        return .object([
            ("migration_id", .int(Int64(batch.id))), ("user", .string(batch.user)),
            ("workspace", .string(batch.workspace)), ("label", .string(batch.label)),
            ("storage", .string(batch.storage)), ("archives", .array([.object(archive)])),
        ])
    }

    /// The archive digest: SHA-256 over the file digests in listing order (the emulator keeps no tar file, so it
    /// digests what stands for the archive's content).
    private static func archiveDigest(_ batch: JDMABatch) -> String {
        SHA256.hex(of: Data(batch.files.map(\.digest).joined(separator: "\n").utf8))
    }
}
