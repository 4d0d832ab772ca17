import EmulatorSupport
import Foundation

/// The JSON the server's `jsonify` makes of `t_job` and `t_file` rows (docs/protocols/fts3.md §3.3): every column, dates as
/// `%Y-%m-%dT%H:%M:%S`, flags as booleans, `verify_checksum` as one letter.
enum JobRendering {
    static func job(_ job: TransferJob, httpStatus: String? = nil, httpMessage: JSONValue? = nil,
                    fileFields: [String]? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("job_id", .string(job.id)),
            ("job_state", .string(job.state.rawValue)),
            ("job_type", .string(job.jobType)),
            ("source_se", optional(job.sourceSE)),
            ("dest_se", optional(job.destinationSE)),
            ("user_dn", .string(job.userDN)),
            ("cred_id", .string(job.credentialID)),
            ("vo_name", .string(job.voName)),
            ("reason", job.reason.isEmpty ? .null : .string(job.reason)),
            ("submit_time", FTS3Date.json(job.submitTime)),
            ("job_finished", FTS3Date.json(job.finished)),
            ("priority", .int(Int64(job.priority))),
            ("max_time_in_queue", job.maxTimeInQueue.map { .int($0) } ?? .null),
            ("verify_checksum", .string(job.checksumMode.rawValue)),
            ("overwrite_flag", .bool(job.overwrite)),
            ("retry", .int(Int64(job.retry))),
            ("retry_delay", .int(Int64(job.retryDelay))),
            ("bring_online", .int(job.bringOnline)),
            ("copy_pin_lifetime", .int(job.copyPinLifetime)),
            ("archive_timeout", .int(job.archiveTimeout)),
            ("source_spacetoken", optional(job.sourceSpaceToken)),
            ("destination_spacetoken", optional(job.destinationSpaceToken)),
            // The model's own column names for the two space tokens.
            ("source_space_token", optional(job.sourceSpaceToken)),
            ("space_token", optional(job.destinationSpaceToken)),
            ("job_metadata", job.jobMetadata),
            ("cancel_job", job.cancelRequested ? .bool(true) : .null),
            ("submit_host", .string(job.submitHost)),
            ("target_qos", .null),
            ("internal_job_params", optional(job.internalJobParams)),
            ("dst_file_report", .bool(job.dstFileReport)),
            ("os_project_id", .null),
        ]
        if let fileFields {
            members.append(("files", .array(job.files.map { file(job: job, $0, fields: fileFields) })))
        }
        if let httpStatus { members.append(("http_status", .string(httpStatus))) }
        if let httpMessage { members.append(("http_message", httpMessage)) }
        return .object(members)
    }

    /// One file row; with `fields`, only those columns (unknown names are skipped, as the server does).
    static func file(job: TransferJob, _ file: TransferFile, fields: [String]? = nil) -> JSONValue {
        let members: [(String, JSONValue)] = [
            ("file_id", .int(file.fileID)),
            ("file_index", .int(Int64(file.fileIndex))),
            ("job_id", .string(job.id)),
            ("file_state", .string(file.state.rawValue)),
            ("source_surl", .string(file.source)),
            ("dest_surl", .string(file.destination)),
            ("source_se", optional(file.sourceSE)),
            ("dest_se", optional(file.destinationSE)),
            ("reason", file.reason.isEmpty ? .null : .string(file.reason)),
            ("filesize", .int(file.filesize)),
            ("user_filesize", .int(file.userFilesize)),
            ("transferred", .int(file.transferred)),
            ("checksum", .string(file.checksum)),
            ("start_time", FTS3Date.json(file.startTime)),
            ("finish_time", FTS3Date.json(file.finishTime)),
            ("tx_duration", file.transferDuration.map { .double(($0 * 1000).rounded() / 1000) } ?? .null),
            ("throughput", file.throughput.map { .double(($0 * 1000).rounded() / 1000) } ?? .null),
            ("retry", .int(Int64(file.retry))),
            ("file_metadata", file.metadata),
            ("staging_metadata", file.stagingMetadata),
            ("archive_metadata", file.archiveMetadata),
            ("staging_start", .null),
            ("staging_finished", .null),
            ("activity", .string(file.activity)),
            ("selection_strategy", .string(file.selectionStrategy)),
            ("scitag", file.scitag.map { .int($0) } ?? .null),
            ("transfer_host", file.startTime == nil ? .null : .string(job.submitHost)),
            ("vo_name", .string(job.voName)),
            ("priority", .int(Int64(job.priority))),
            ("pid", .null),
            ("log_file", .null),
            ("recoverable", .bool(false)),
            ("dest_surl_uuid", .null),
        ]
        guard let fields else { return .object(members) }
        return .object(fields.compactMap { name in members.first { $0.0 == name } })
    }

    /// A failed item of a multi-id request: `{"job_id","http_status","http_message"}`, plus the `status` and
    /// `message` of the ordinary error body so single-id callers can read either.
    static func failedItem(jobID: String, error: FTS3Error) -> JSONValue {
        .object([("job_id", .string(jobID)), ("http_status", .string(FTS3Replies.statusLine(error.status))),
                 ("http_message", .string(error.message)), ("status", .string(FTS3Replies.statusLine(error.status))),
                 ("message", .string(error.message))])
    }

    private static func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
}
