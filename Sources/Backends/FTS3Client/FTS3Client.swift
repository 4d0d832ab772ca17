import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// An FTS3 REST client (fts3.md): submits copy jobs, follows and cancels them, and keeps a delegated proxy on the
/// server for X.509 users. Implements Core's `TransferService`; every error it throws is an `FSError`.
///
/// Thread-safe: calls may come from any thread. Every stored property is a `let` of a `Sendable` type; the one
/// mutable state, the delegation, is serialised by `FTS3Delegator`'s lock.
public final class FTS3Client: TransferService, Sendable {
    public let name = "fts3"
    public let configuration: FTS3Configuration
    let identity: FTS3Identity
    private let api: FTS3API
    /// nil for bearer-token users, who never delegate.
    private let delegator: FTS3Delegator?
    private let logger: Logger

    /// Resolves the credential (`.automatic` as the real client does) and checks its files can be used; throws
    /// `FSError.invalidArgument` saying what is missing, expired or unreadable. Does not contact the server.
    public convenience init(configuration: FTS3Configuration, logger: Logger) throws {
        try self.init(configuration: configuration, environment: .current, logger: logger)
    }

    init(configuration: FTS3Configuration, environment: FTS3Identity.Environment, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        identity = try FTS3Identity.resolve(configuration.credential, in: environment)
        api = FTS3API(configuration: configuration, identity: identity, environment: environment, logger: logger)
        if case .x509(let cert, let key) = identity {
            let signer = try FTS3ProxySigner(certificatePath: cert, keyPath: key)
            delegator = FTS3Delegator(api: api, signer: signer, configuration: configuration, logger: logger)
        } else {
            delegator = nil
        }
        logger.debug("FTS3 client ready", metadata: ["endpoint": "\(api.endpoints.base)", "credential": "\(identity)"])
    }

    /// `GET /whoami`: the identity and delegation id the server derives from our credential.
    public func whoami() throws -> FTS3WhoAmI {
        do {
            return try api.get(FTS3WhoAmI.self, api.endpoints.whoami)
        } catch {
            throw FTS3ErrorMapping.fsError(error, operation: "whoami")
        }
    }

    /// The delegation dance of docs/protocols/fts3.md §2.2: asks the server how long its copy of our proxy lives and, when it
    /// has none, less than `delegateWhenLifetimeBelow` left, or `force`, signs and uploads a new one. Returns
    /// the server's proxy's termination time; nil (and no request) for bearer tokens.
    @discardableResult
    public func delegate(force: Bool = false) throws -> Date? {
        guard let delegator else { return nil }
        do {
            return try delegator.delegate(force: force)
        } catch {
            throw FTS3ErrorMapping.fsError(error, operation: "delegate")
        }
    }

    /// `POST /jobs` with one entry per file. X.509 users delegate first when the server's proxy is missing or
    /// low; if the server still answers 419 the client delegates (forced) and submits once more.
    public func submit(_ files: [TransferFile], options: TransferOptions) throws -> String {
        let body = try FTS3Submission(files: files, options: options).encoded()
        if let delegator {
            do {
                try delegator.ensureDelegated()
            } catch {
                throw FTS3ErrorMapping.fsError(error, operation: "delegate")
            }
        }
        let generation = delegator?.generation ?? 0
        let jobID: String
        do {
            jobID = try post(body)
        } catch HTTPError.status(code: 419, let reply) where delegator != nil {
            logger.info("FTS3 asked for a new delegation; delegating and submitting again",
                        metadata: ["message": "\(FTS3ErrorMapping.message(in: reply) ?? "-")"])
            jobID = try submitAfterDelegating(body, generation: generation)
        } catch {
            throw FTS3ErrorMapping.fsError(error, operation: "submit")
        }
        logger.info("FTS3 job submitted", metadata: ["job_id": "\(jobID)", "files": "\(files.count)"])
        return jobID
    }

    private func submitAfterDelegating(_ body: Data, generation: Int) throws -> String {
        guard let delegator else { throw FSError.permissionDenied }
        do {
            try delegator.delegateAfterRejection(sentAt: generation)
        } catch {
            throw FTS3ErrorMapping.fsError(error, operation: "delegate")
        }
        do {
            return try post(body)
        } catch {
            let mapped = FTS3ErrorMapping.fsError(error, operation: "submit")
            if case HTTPError.status(code: 419, let reply)? = error as? HTTPError {
                logger.error("FTS3 refused the submission even after a fresh delegation",
                             metadata: ["message": "\(FTS3ErrorMapping.message(in: reply) ?? "-")"])
            }
            throw mapped
        }
    }

    private struct SubmitReply: Decodable {
        var job_id: String
    }

    /// One POST; leaves errors unmapped so the caller can react to a 419.
    private func post(_ body: Data) throws -> String {
        let response = try api.send(.post, api.endpoints.jobs, body: .data(body, contentType: "application/json"))
        let jobID = try JSONDecoder().decode(SubmitReply.self, from: response.body).job_id
        guard !jobID.isEmpty else { throw FSError.io("FTS3 submit: the server returned an empty job id") }
        return jobID
    }

    /// `GET /jobs/{id}` and `GET /jobs/{id}/files`.
    public func status(of jobID: String) throws -> TransferJobStatus {
        try FTS3Endpoints.validateJobID(jobID)
        let operation = "status of \(jobID)"
        do {
            let job = try FTS3JobReplies.job(try api.send(.get, api.endpoints.job(jobID)).body, jobID: jobID, operation: operation)
            let files = try FTS3JobReplies.files(try api.send(.get, api.endpoints.jobFiles(jobID)).body)
            return try FTS3JobReplies.status(jobID: jobID, job: job, files: files, operation: operation)
        } catch {
            throw FTS3ErrorMapping.fsError(error, operation: operation)
        }
    }

    /// `DELETE /jobs/{id}`. A job that already ended answers `304 Not Modified` (in the body or as the status):
    /// that is success too.
    public func cancel(_ jobID: String) throws {
        try FTS3Endpoints.validateJobID(jobID)
        let operation = "cancel of \(jobID)"
        do {
            let response = try api.send(.delete, api.endpoints.job(jobID))
            do {
                let job = try FTS3JobReplies.job(response.body, jobID: jobID, operation: operation)
                logger.info("FTS3 job cancel requested", metadata: ["job_id": "\(jobID)", "state": "\(job.jobState ?? "-")"])
            } catch is DecodingError {
                // The server accepted the cancel; an unexpected body shape does not undo that.
            }
        } catch HTTPError.status(code: 304, _) {
            return
        } catch {
            throw FTS3ErrorMapping.fsError(error, operation: operation)
        }
    }
}
