import EmulatorSupport
import Foundation
import Hummingbird

/// `/jobs…`: submit, status (one or several ids, with file fields), file rows, listing, cancel of jobs and of
/// single files (docs/protocols/fts3.md §3.2–3.4), with the server's multi-status rules.
struct JobEndpoints {
    let state: FTS3ServerState
    let identity: ClientIdentity

    func route(_ request: APIRequest) throws -> Response {
        let segments = Array(request.segments.dropFirst())
        switch (request.method, segments.count) {
        case ("GET", 0): return try list(request)
        case ("POST", 0), ("PUT", 0): return try submit(request)
        case ("GET", 1): return try status(ids: segments[0], fileFields: request.query["files"].map(APIRequest.list))
        case ("DELETE", 1): return try cancel(ids: segments[0])
        case ("GET", 2) where segments[1] == "files": return try files(of: segments[0])
        case ("GET", 2) where segments[1] == "dm": return try dataManagement(of: segments[0])
        case ("GET", 2): return try field(segments[1], of: segments[0])
        case ("DELETE", 3) where segments[1] == "files": return try cancelFiles(segments[2], of: segments[0])
        case ("GET", 4) where segments[1] == "files" && segments[3] == "retries": return try retries(of: segments[0], file: segments[2])
        default:
            throw FTS3Error(405, "The method is not allowed for the requested URL.")
        }
    }

    // MARK: Submit

    private func submit(_ request: APIRequest) throws -> Response {
        if identity.method == .certificate {
            try requireDelegation()
        }
        let body = try JSONInput.parseObject(request.body)
        let builder = JobSubmission(submitter: identity, submitHost: "127.0.0.1", nextFileID: state.jobs.nextFileID)
        let job = try builder.build(from: body)
        state.jobs.add(job)
        state.runner.launch(job.id)
        state.logger.info("FTS3 emulator accepted a job", metadata: [
            "job": "\(job.id)", "files": "\(job.files.count)", "method": "\(identity.method.rawValue)",
        ])
        return FTS3Replies.json(.object([("job_id", .string(job.id))]))
    }

    /// A certificate user needs a delegated proxy with at least an hour left (the server's `submit`).
    private func requireDelegation(now: Date = Date()) throws {
        guard let termination = state.delegations.terminationTime(delegationID: identity.delegationID, dn: identity.dn) else {
            throw FTS3Error.needDelegation("No delegation found for \"\(identity.dn)\"")
        }
        let remaining = termination.timeIntervalSince(now)
        if remaining <= 0 {
            throw FTS3Error.needDelegation("The delegated credentials expired \(Int(-remaining)) seconds ago (\(identity.delegationID))")
        }
        if remaining < 3600 {
            throw FTS3Error.needDelegation("The delegated credentials has less than one hour left (\(identity.delegationID))")
        }
    }

    // MARK: Status

    /// `GET /jobs/{id}` or `GET /jobs/{id1},{id2}`: one object, or an array with 207 when an id failed.
    private func status(ids text: String, fileFields: [String]?) throws -> Response {
        let ids = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var items: [JSONValue] = []
        var failures = 0
        var firstFailure: FTS3Error?
        for id in ids where !id.isEmpty {
            do {
                let job = try visibleJob(id)
                items.append(JobRendering.job(job, httpStatus: "200 Ok", fileFields: fileFields))
            } catch let error as FTS3Error {
                items.append(JobRendering.failedItem(jobID: id, error: error))
                failures += 1
                firstFailure = firstFailure ?? error
            }
        }
        if ids.count == 1 {
            guard let item = items.first else { throw FTS3Error.jobNotFound(text) }
            return FTS3Replies.json(item, status: firstFailure?.status ?? 200)
        }
        return FTS3Replies.json(.array(items), status: failures > 0 ? 207 : 200)
    }

    private func files(of id: String) throws -> Response {
        let job = try visibleJob(id)
        return FTS3Replies.json(.array(job.files.map { JobRendering.file(job: job, $0) }))
    }

    /// Data-management rows (deletions, staging); the emulator runs transfers only, so always empty. The
    /// Python client asks for them whenever it lists files.
    private func dataManagement(of id: String) throws -> Response {
        _ = try visibleJob(id)
        return FTS3Replies.json(.array([]))
    }

    private func retries(of id: String, file: String) throws -> Response {
        let job = try visibleJob(id)
        guard let fileID = Int64(file), job.files.contains(where: { $0.fileID == fileID }) else {
            throw FTS3Error.notFound("No file with the id \"\(file)\" has been found")
        }
        return FTS3Replies.json(.array([]))
    }

    /// `GET /jobs/{id}/{field}`: the value of one column.
    private func field(_ name: String, of id: String) throws -> Response {
        let job = try visibleJob(id)
        guard case .object(let members) = JobRendering.job(job), let value = members.first(where: { $0.0 == name })?.1 else {
            throw FTS3Error.notFound("No such field")
        }
        return FTS3Replies.json(value)
    }

    // MARK: Listing

    private func list(_ request: APIRequest) throws -> Response {
        let query = request.query
        if let dlg = query["dlg_id"], !dlg.isEmpty, dlg != identity.delegationID {
            throw FTS3Error.forbidden("The provided delegation id does not match your delegation id")
        }
        if let dn = query["user_dn"], !dn.isEmpty, dn != identity.dn {
            throw FTS3Error.badRequest("The provided DN and delegation id do not correspond to the same user")
        }
        var limit: Int?
        if let text = query["limit"], let value = Int(text) {
            guard (0...500).contains(value) else { throw FTS3Error.badRequest("The limit must be positive and less or equal than 500") }
            limit = value
        }
        let window = query["time_window"].flatMap(Self.timeWindow)
        let states = query["state_in"].map(APIRequest.list).flatMap { $0.isEmpty ? nil : Set($0) }

        // A user's granted level is "vo": only jobs of the user's VO are listed.
        var jobs = state.jobs.all().filter { $0.voName == identity.voName }
        if let states {
            jobs = jobs.filter { states.contains($0.state.rawValue) }
            if limit == nil {
                if let window {
                    let notBefore = Date().addingTimeInterval(-window)
                    jobs = jobs.filter { ($0.finished ?? .distantPast) >= notBefore }
                } else {
                    jobs = jobs.filter { $0.finished == nil }
                }
            }
        } else {
            jobs = jobs.filter { $0.finished == nil }
        }
        if let dn = query["user_dn"], !dn.isEmpty { jobs = jobs.filter { $0.userDN == dn } }
        if let vo = query["vo_name"], !vo.isEmpty { jobs = jobs.filter { $0.voName == vo } }
        if let dlg = query["dlg_id"], !dlg.isEmpty { jobs = jobs.filter { $0.credentialID == dlg } }
        if let se = query["source_se"], !se.isEmpty { jobs = jobs.filter { $0.sourceSE == se } }
        if let se = query["dest_se"], !se.isEmpty { jobs = jobs.filter { $0.destinationSE == se } }
        if let limit, limit > 0 {
            jobs = Array(jobs.sorted { $0.submitTime > $1.submitTime }.prefix(limit))
        }
        let fields = query["fields"].map(APIRequest.list)
        let rendered: [JSONValue] = jobs.map { job in
            let full = JobRendering.job(job)
            guard let fields, case .object(let members) = full else { return full }
            return .object(fields.compactMap { name in members.first { $0.0 == name } })
        }
        return FTS3Replies.json(.array(rendered))
    }

    /// `time_window=H[:M]` in seconds.
    private static func timeWindow(_ text: String) -> TimeInterval? {
        let parts = text.split(separator: ":")
        guard let hours = parts.first.flatMap({ Int($0) }) else { return nil }
        let minutes = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        return TimeInterval(hours * 3600 + minutes * 60)
    }

    // MARK: Cancel

    /// `DELETE /jobs/{id}[,{id}…]`: CANCELED, or — already terminal — the final state with
    /// `http_status: "304 Not Modified"` and still 200 (docs/protocols/fts3.md §3.4).
    private func cancel(ids text: String) throws -> Response {
        let ids = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var items: [JSONValue] = []
        var anyFailed = false
        var singleStatus = 200
        for id in ids where !id.isEmpty {
            do {
                _ = try visibleJob(id)
                guard let (job, changed) = state.jobs.cancel(id) else { throw FTS3Error.jobNotFound(id) }
                if changed {
                    state.logger.info("FTS3 emulator canceled a job", metadata: ["job": "\(id)"])
                    items.append(JobRendering.job(job, httpStatus: "200 Ok", httpMessage: .null))
                } else {
                    items.append(JobRendering.job(job, httpStatus: "304 Not Modified", httpMessage: "The job is in a terminal state"))
                }
            } catch let error as FTS3Error {
                items.append(JobRendering.failedItem(jobID: id, error: error))
                anyFailed = true
                singleStatus = error.status
            }
        }
        if ids.count == 1 {
            guard let item = items.first else { throw FTS3Error.jobNotFound(text) }
            return FTS3Replies.json(item, status: singleStatus)
        }
        return FTS3Replies.json(.array(items), status: anyFailed ? 207 : 200)
    }

    /// `DELETE /jobs/{id}/files/{file_id}[,…]`: the new state of each file (a string for one file).
    private func cancelFiles(_ text: String, of id: String) throws -> Response {
        let job = try visibleJob(id)
        guard job.jobType == "N" else {
            throw FTS3Error.badRequest("Multihop or reuse jobs must be cancelled at once (\(job.jobType))")
        }
        guard let results = state.jobs.cancelFiles(id, fileIDs: APIRequest.list(text)) else { throw FTS3Error.jobNotFound(id) }
        if results.count == 1, let only = results.first { return FTS3Replies.json(.string(only)) }
        return FTS3Replies.json(.array(results.map { .string($0) }))
    }

    // MARK: Helpers

    /// The job, if it exists and the caller may see it (its owner, or a member of its VO as the default
    /// "vo" level grants).
    private func visibleJob(_ id: String) throws -> TransferJob {
        guard let job = state.jobs.job(id) else { throw FTS3Error.jobNotFound(id) }
        guard job.userDN == identity.dn || job.voName == identity.voName else {
            throw FTS3Error.forbidden("Not enough permissions to check the job \"\(id)\"")
        }
        return job
    }
}
