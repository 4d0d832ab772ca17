import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// Keeps a delegated proxy on the FTS3 server for an X.509 user (docs/protocols/fts3.md §2.2): transfers run with that proxy,
/// and the server refuses submissions (419) without one that has at least an hour left.
///
/// The termination time of the last delegation seen or made is remembered, so a submission only talks to the
/// delegation endpoints when the remembered proxy is missing or running low. One delegation at a time:
/// concurrent callers wait for the one in progress and then reuse its result: `@unchecked Sendable` because `lock`
/// guards `knownTermination` and `uploads` and is held across a delegation's requests on purpose. Certificates and keys are
/// re-read from disk at each delegation, so a renewed proxy file is picked up; none of them is ever logged.
final class FTS3Delegator: @unchecked Sendable {
    private let api: FTS3API
    private let signer: FTS3ProxySigner
    private let lifetime: TimeInterval
    private let renewBelow: TimeInterval
    private let logger: Logger

    private let lock = NSLock()
    /// When the server's copy of our proxy expires, as last learned; nil = unknown.
    private var knownTermination: Date?
    private var uploads = 0

    init(api: FTS3API, signer: FTS3ProxySigner, configuration: FTS3Configuration, logger: Logger) {
        self.api = api
        self.signer = signer
        self.lifetime = configuration.delegationLifetime
        self.renewBelow = configuration.delegateWhenLifetimeBelow
        self.logger = logger
    }

    /// Makes sure the server holds a proxy with at least `delegateWhenLifetimeBelow` left, asking the server
    /// only when the remembered termination time does not already say so.
    func ensureDelegated() throws {
        lock.lock()
        defer { lock.unlock() }
        if let knownTermination, knownTermination.timeIntervalSinceNow >= renewBelow { return }
        _ = try delegateLocked(force: false)
    }

    /// The full dance; `force` signs a new proxy even when the server's one is still good.
    func delegate(force: Bool) throws -> Date {
        lock.lock()
        defer { lock.unlock() }
        return try delegateLocked(force: force)
    }

    /// Counts the proxies this client uploaded; lets a caller that got a 419 tell whether another thread has
    /// delegated since its request was sent.
    var generation: Int {
        lock.lock()
        defer { lock.unlock() }
        return uploads
    }

    /// After the server answered 419 to a request sent at `generation`: forgets the remembered termination
    /// time (the server has no usable proxy after all) and delegates (forced), unless another thread already
    /// uploaded a proxy since then, in which case that one is used.
    func delegateAfterRejection(sentAt generation: Int) throws {
        lock.lock()
        defer { lock.unlock() }
        guard uploads == generation else { return }
        knownTermination = nil
        _ = try delegateLocked(force: true)
    }

    private struct DelegationInfo: Decodable {
        var termination_time: String?
    }

    private func delegateLocked(force: Bool) throws -> Date {
        let whoami = try api.get(FTS3WhoAmI.self, api.endpoints.whoami)
        let id = whoami.delegationID
        guard !id.isEmpty else { throw FSError.io("FTS3 delegate: the server reported an empty delegation id") }

        let current = try serverTermination(id)
        if let current {
            let remaining = current.timeIntervalSinceNow
            if !force && remaining >= renewBelow {
                knownTermination = current
                logger.debug("FTS3 delegation still valid", metadata: [
                    "delegation_id": "\(id)", "expires": "\(FTS3Date.format(current))"])
                return current
            }
        }

        let requestPEM = String(decoding: try api.send(.get, api.endpoints.delegationRequest(id)).body, as: UTF8.self)
        let proxy = try signer.sign(requestPEM: requestPEM, lifetime: lifetime, now: Date())
        _ = try api.send(.put, api.endpoints.delegationCredential(id),
                         body: .data(Data(proxy.body.utf8), contentType: "application/x-pem-file"))
        knownTermination = proxy.expires
        uploads += 1
        logger.info("delegated a proxy to FTS3", metadata: [
            "delegation_id": "\(id)", "expires": "\(FTS3Date.format(proxy.expires))",
            "why": "\(force ? "forced" : current == nil ? "none on the server" : "expiring soon")"])
        return proxy.expires
    }

    /// The termination time of the server's proxy, nil when it has none (`null`, or 404 from some servers).
    /// An unreadable time counts as none, so we delegate rather than trust it.
    private func serverTermination(_ id: String) throws -> Date? {
        let response: HTTPResponse
        do {
            response = try api.send(.get, api.endpoints.delegation(id))
        } catch HTTPError.status(code: 404, _) {
            return nil
        }
        guard let info = try JSONDecoder().decode(DelegationInfo?.self, from: response.body),
              let text = info.termination_time else { return nil }
        guard let date = FTS3Date.parse(text) else {
            logger.warning("FTS3 delegation has an unreadable termination time; delegating again",
                           metadata: ["delegation_id": "\(id)", "termination_time": "\(text)"])
            return nil
        }
        return date
    }
}
