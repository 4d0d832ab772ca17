import EmulatorSupport
import Foundation
import Hummingbird
import SciencefsX509

/// `/delegation/{id}…` (docs/protocols/fts3.md §2.2): credential info, certificate request, credential upload, removal.
/// Every call is for the caller's own delegation id; another id is 403, as on the server.
struct DelegationEndpoints {
    let state: FTS3ServerState
    let identity: ClientIdentity

    func route(_ request: APIRequest) throws -> Response {
        let segments = Array(request.segments.dropFirst())
        guard let id = segments.first else { throw FTS3Error.notFound("The requested URL was not found on the server.") }
        guard id == identity.delegationID else {
            throw FTS3Error.forbidden("The requested ID and the credentials ID do not match")
        }
        switch (request.method, segments.dropFirst().first) {
        case ("GET", nil): return view()
        case ("DELETE", nil): return try delete()
        case ("GET", "request"?): return try certificateRequest()
        case ("PUT", "credential"?), ("POST", "credential"?): return try credential(request.body)
        case ("POST", "voms"?):
            throw FTS3Error(424, "VOMS extensions are not supported by the emulator")
        default:
            throw FTS3Error(405, "The method is not allowed for the requested URL.")
        }
    }

    /// `{"termination_time","voms_attrs"}` or JSON `null`.
    private func view() -> Response {
        guard let credential = state.delegations.credential(delegationID: identity.delegationID, dn: identity.dn) else {
            return FTS3Replies.json(.null)
        }
        return FTS3Replies.json(.object([("termination_time", .string(FTS3Date.format(credential.terminationTime))),
                                         ("voms_attrs", .array([]))]))
    }

    private func delete() throws -> Response {
        guard state.delegations.remove(delegationID: identity.delegationID, dn: identity.dn) else {
            throw FTS3Error.notFound("Delegated credentials not found")
        }
        return FTS3Replies.empty(status: 204)
    }

    private func certificateRequest() throws -> Response {
        guard identity.method == .certificate else {
            throw FTS3Error.forbidden("Delegation requires a client certificate")
        }
        let pem = try state.delegations.request(delegationID: identity.delegationID, dn: identity.dn)
        var response = FTS3Replies.text(pem)
        if let name = HeaderName("X-Delegation-ID") { response.headers[name] = identity.delegationID }
        return response
    }

    private func credential(_ body: Data) throws -> Response {
        guard let text = String(data: body, encoding: .utf8), !text.isEmpty else {
            throw FTS3Error.badRequest("Could not process the proxy: empty body")
        }
        let stored = try state.delegations.storeCredential(delegationID: identity.delegationID, dn: identity.dn,
                                                           chainPEM: text, trustedCAs: state.trustedCAs)
        state.logger.info("FTS3 emulator stored a delegated credential", metadata: [
            "delegation_id": "\(identity.delegationID)", "until": "\(FTS3Date.format(stored.terminationTime))",
        ])
        return FTS3Replies.empty(status: 201)
    }
}
