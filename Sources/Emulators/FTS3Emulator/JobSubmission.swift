import EmulatorSupport
import Foundation

/// Turns a `POST /jobs` body (docs/protocols/fts3.md §3.2) into a job, applying the server's defaults and checks
/// (`JobBuilder`, `submit_schema`): one file row per (source, destination) pair, job-level file parameters
/// copied into the files, the checksum mode reduced to one letter, the priority clamped, 400 on bad input.
struct JobSubmission {
    let submitter: ClientIdentity
    let submitHost: String
    /// Hands out `file_id`s, unique across the emulator.
    let nextFileID: () -> Int64

    /// Parameters that, given at job level, are copied into every file lacking them (then dropped).
    private static let perFileParameters: [(param: String, file: String)] = [
        ("checksum", "checksum"), ("filesize", "filesize"), ("activity", "activity"), ("scitag", "scitag"),
        ("file_metadata", "metadata"), ("staging_metadata", "staging_metadata"), ("archive_metadata", "archive_metadata"),
    ]

    func build(from body: [String: Any]) throws -> TransferJob {
        var params = (body["params"] as? [String: Any]) ?? [:]
        if !JSONInput.isNull(body["params"]), !(body["params"] is [String: Any]) {
            throw FTS3Error.badRequest("Invalid value within the request: 'params' must be an object")
        }
        guard let rawFiles = body["files"], !JSONInput.isNull(rawFiles) else {
            if !JSONInput.isNull(body["delete"]) || !JSONInput.isNull(body["staging"]) {
                throw FTS3Error.badRequest("Deletion and staging jobs are not supported by the emulator")
            }
            throw FTS3Error.badRequest("No transfers or namespace operations specified")
        }
        guard var entries = rawFiles as? [[String: Any]], !entries.isEmpty else {
            throw FTS3Error.badRequest("Invalid value within the request: 'files' must be a non-empty list of objects")
        }
        for (param, fileKey) in Self.perFileParameters {
            guard let value = params.removeValue(forKey: param) else { continue }
            for index in entries.indices where entries[index][fileKey] == nil { entries[index][fileKey] = value }
        }

        let jobType = try Self.jobType(params, entries: entries)
        let checksumMode = try Self.checksumMode(params["verify_checksum"], entries: entries)
        let overwrite = try Self.overwriteFlag(params)
        let bringOnline = try JSONInput.int(params["bring_online"], name: "bring_online") ?? -1
        let copyPinLifetime = try JSONInput.int(params["copy_pin_lifetime"], name: "copy_pin_lifetime") ?? -1
        let archiveTimeout = try JSONInput.int(params["archive_timeout"], name: "archive_timeout") ?? -1
        if submitter.method == .oauth2, archiveTimeout > 0 {
            throw FTS3Error.badRequest("Requests to archive to tape using token authentication are not supported")
        }
        if submitter.method == .oauth2, bringOnline > 0 {
            throw FTS3Error.badRequest("Requests to retrieve from tape using token authentication are not supported")
        }
        if bringOnline > 0 || copyPinLifetime > 0 || archiveTimeout > 0 {
            throw FTS3Error.badRequest("Tape staging and archiving are not supported by the emulator")
        }
        let priority = Int(max(1, min(5, try JSONInput.int(params["priority"], name: "priority") ?? 3)))
        let jobID = UUID().uuidString.lowercased()
        let files = try makeFiles(entries, jobType: jobType)
        let sourceSEs = Set(files.map { $0.sourceSE ?? "" })
        let destinationSEs = Set(files.map { $0.destinationSE ?? "" })

        return TransferJob(
            id: jobID, jobType: jobType,
            sourceSE: jobType == "H" ? files.first?.sourceSE : (sourceSEs.count == 1 ? files.first?.sourceSE : nil),
            destinationSE: jobType == "H" ? files.last?.destinationSE : (destinationSEs.count == 1 ? files.first?.destinationSE : nil),
            userDN: submitter.dn, credentialID: submitter.delegationID, voName: submitter.voName, submitTime: Date(),
            priority: priority,
            maxTimeInQueue: try Self.seconds(params["max_time_in_queue"]),
            checksumMode: checksumMode, overwrite: overwrite,
            retry: Int(try JSONInput.int(params["retry"], name: "retry") ?? 0),
            retryDelay: Int(try JSONInput.int(params["retry_delay"], name: "retry_delay") ?? 0),
            bringOnline: bringOnline, copyPinLifetime: copyPinLifetime, archiveTimeout: archiveTimeout,
            sourceSpaceToken: JSONInput.string(params["source_spacetoken"]),
            destinationSpaceToken: JSONInput.string(params["destination_spacetoken"]) ?? JSONInput.string(params["spacetoken"]),
            jobMetadata: JSONInput.jsonValue(params["job_metadata"]),
            internalJobParams: Self.internalJobParams(params),
            dstFileReport: JSONInput.flag(params["dst_file_report"]),
            disableCleanup: JSONInput.flag(params["disable_cleanup"]),
            submitHost: submitHost,
            files: files)
    }

    // MARK: Files

    private func makeFiles(_ entries: [[String: Any]], jobType: String) throws -> [TransferFile] {
        var files: [TransferFile] = []
        for (index, entry) in entries.enumerated() {
            let sources = try Self.urlList(entry["sources"], name: "sources")
            let destinations = try Self.urlList(entry["destinations"], name: "destinations")
            let sourceTokens = try Self.tokenList(entry["source_tokens"], name: "source_tokens")
            let destinationTokens = try Self.tokenList(entry["destination_tokens"], name: "destination_tokens")
            if (sourceTokens == nil) != (destinationTokens == nil) {
                throw FTS3Error.badRequest("Both source_tokens and destination_tokens are required if one of them is present.")
            }
            if let sourceTokens, sourceTokens.count != sources.count {
                throw FTS3Error.badRequest("Length of source_tokens should be equal to the length of sources.")
            }
            if let destinationTokens, destinationTokens.count != destinations.count {
                throw FTS3Error.badRequest("Length of destination_tokens should be equal to the length of destinations.")
            }
            let filesize = try JSONInput.int(entry["filesize"], name: "filesize") ?? 0
            guard filesize >= 0 else { throw FTS3Error.badRequest("Invalid value within the request: filesize must be >= 0") }
            let scitag = try JSONInput.int(entry["scitag"], name: "scitag")
            if let scitag, !(65...65535).contains(scitag) {
                throw FTS3Error.badRequest("Invalid SciTag value: \(scitag) (not in [65, 65535] range)")
            }
            let checksum = JSONInput.string(entry["checksum"]).flatMap { $0.isEmpty ? nil : $0 } ?? "ADLER32"
            for (s, source) in sources.enumerated() {
                for (d, destination) in destinations.enumerated() {
                    // Multi-replica and multihop jobs keep every row but the first on hold; the runner releases
                    // the next one when needed.
                    let state: FileState = (jobType == "R" || jobType == "H") && !files.isEmpty ? .notUsed : .submitted
                    files.append(TransferFile(
                        fileID: nextFileID(), fileIndex: index, source: source, destination: destination,
                        sourceSE: Self.storageElement(source), destinationSE: Self.storageElement(destination),
                        checksum: checksum, userFilesize: filesize,
                        metadata: JSONInput.jsonValue(entry["metadata"]),
                        stagingMetadata: JSONInput.jsonValue(entry["staging_metadata"]),
                        archiveMetadata: JSONInput.jsonValue(entry["archive_metadata"]),
                        activity: JSONInput.string(entry["activity"]) ?? "default",
                        selectionStrategy: JSONInput.string(entry["selection_strategy"]) ?? "auto",
                        scitag: scitag,
                        sourceToken: sourceTokens?[s] ?? submitter.bearerToken,
                        destinationToken: destinationTokens?[d] ?? submitter.bearerToken,
                        state: state, filesize: filesize))
                }
            }
        }
        if jobType == "R", Set(files.map(\.fileIndex)).count > 1 {
            throw FTS3Error.badRequest("Multiple replica jobs must only have one unique file")
        }
        return files
    }

    /// `sources` / `destinations`: a non-empty list of URLs with a scheme, a host and a path (`validate_url`).
    static func urlList(_ value: Any?, name: String) throws -> [String] {
        guard let list = value as? [Any], !list.isEmpty else {
            throw FTS3Error.badRequest("Invalid value within the request: '\(name)' is a required non-empty list")
        }
        return try list.map { item in
            guard let text = (item as? String)?.trimmingCharacters(in: .whitespaces) else {
                throw FTS3Error.badRequest("Invalid value within the request: '\(name)' must hold strings")
            }
            try validate(url: text)
            return text
        }
    }

    static func validate(url text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme, !scheme.isEmpty else {
            throw FTS3Error.badRequest("Invalid value within the request: Missing scheme (\(text))")
        }
        if scheme == "file" { throw FTS3Error.badRequest("Invalid value within the request: Can not transfer local files (\(text))") }
        guard let host = components.host, !host.isEmpty else {
            throw FTS3Error.badRequest("Invalid value within the request: Missing host (\(text))")
        }
        if components.path.isEmpty || (components.path == "/" && components.query == nil) {
            throw FTS3Error.badRequest("Invalid value within the request: Missing path (\(text))")
        }
    }

    private static func tokenList(_ value: Any?, name: String) throws -> [String]? {
        if JSONInput.isNull(value) { return nil }
        guard let list = value as? [Any] else { throw FTS3Error.badRequest("'\(name)' must be a list") }
        return try list.map { item in
            guard let token = item as? String, !token.isEmpty else {
                throw FTS3Error.badRequest("Source tokens and destination tokens lists should not be empty.")
            }
            return token
        }
    }

    /// `scheme://host`, the server's `get_storage_element` (no port).
    static func storageElement(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else {
            return nil
        }
        return "\(scheme)://\(host)"
    }

    // MARK: Parameters

    private static func jobType(_ params: [String: Any], entries: [[String: Any]]) throws -> String {
        let multihop = JSONInput.flag(params["multihop"])
        let reuse = JSONInput.flag(params["reuse"])
        let multiReplica = entries.contains { (($0["sources"] as? [Any])?.count ?? 0) > 1 }
        if multiReplica {
            if multihop || reuse {
                throw FTS3Error.badRequest("Can not request multiple replica job together with multihop or session reuse at the same time")
            }
            return "R"
        }
        if multihop { return "H" }
        return reuse ? "Y" : "N"
    }

    /// `true` → both; `false` → target when a checksum was given, none otherwise; a string → its first letter.
    static func checksumMode(_ value: Any?, entries: [[String: Any]]) throws -> ChecksumMode {
        if let text = value as? String {
            guard let mode = ["source": ChecksumMode.source, "target": .target, "both": .both, "none": .none][text.lowercased()] else {
                throw FTS3Error.badRequest("Invalid value within the request: verify_checksum must be true, false, source, target, both or none")
            }
            return mode
        }
        let asked = JSONInput.flag(value)
        // The server looks at whether the (last) file given a checksum has a non-empty one.
        let given = entries.compactMap { JSONInput.string($0["checksum"]) }.last.map { !$0.isEmpty } ?? false
        if asked { return .both }
        return given ? .target : .none
    }

    private static func overwriteFlag(_ params: [String: Any]) throws -> Bool {
        let flags = ["overwrite", "overwrite_on_retry", "overwrite_when_only_on_disk", "overwrite_hop"].map { JSONInput.flag(params[$0]) }
        let hopAndDisk = flags[2] && flags[3]
        if flags.filter({ $0 }).count > 1, !(flags.filter({ $0 }).count == 2 && hopAndDisk) {
            throw FTS3Error.badRequest("Incompatible overwrite flags used at the same time")
        }
        return flags[0]
    }

    /// `max_time_in_queue` in seconds: a number is hours (the server's unit without a suffix); a string may
    /// carry an `s`/`m`/`h` suffix.
    private static func seconds(_ value: Any?) throws -> Int64? {
        if JSONInput.isNull(value) { return nil }
        if let text = value as? String {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            let multipliers: [Character: Int64] = ["s": 1, "m": 60, "h": 3600]
            if let last = trimmed.last, let multiplier = multipliers[last], let number = Int64(trimmed.dropLast()) {
                return number * multiplier
            }
            if let hours = Int64(trimmed) { return hours * 3600 }
            throw FTS3Error.badRequest("Invalid value for 'max_time_in_queue': \(text)")
        }
        return try JSONInput.int(value, name: "max_time_in_queue").map { $0 * 3600 }
    }

    private static func internalJobParams(_ params: [String: Any]) -> String? {
        var parts: [String] = []
        if let streams = try? JSONInput.int(params["nostreams"], name: "nostreams"), streams != 0 { parts.append("nostreams:\(streams)") }
        if let timeout = try? JSONInput.int(params["timeout"], name: "timeout"), timeout != 0 { parts.append("timeout:\(timeout)") }
        if let buffer = try? JSONInput.int(params["buffer_size"], name: "buffer_size"), buffer != 0 { parts.append("buffersize:\(buffer)") }
        if JSONInput.flag(params["strict_copy"]) { parts.append("strict") }
        if JSONInput.flag(params["disable_cleanup"]) { parts.append("disable-cleanup") }
        if JSONInput.flag(params["ipv4"]) { parts.append("ipv4") } else if JSONInput.flag(params["ipv6"]) { parts.append("ipv6") }
        if JSONInput.flag(params["s3alternate"]) { parts.append("s3alternate") }
        return parts.isEmpty ? nil : parts.joined(separator: ",")
    }
}
