import EmulatorSupport
import Foundation
import Hummingbird

/// The API listener: faults and logging (via `ExchangeRecorder`), token check, and routing on the raw path, so
/// a `%2F` inside a DID name is never taken for a separator (the name is split off as the server does).
struct RucioAPIResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let state: RucioServerState
    let recorder: ExchangeRecorder

    func respond(to request: Request, context: Context) async throws -> Response {
        try await recorder.serve(
            request,
            faultStatus: { RucioReplies.error(RucioError($0, "RucioException", "Injected fault: HTTP \($0)")) },
            malformed: { RucioReplies.text("{\"scope\": \"user.al", status: 200, contentType: RucioReplies.streamContentType) },
            expiredToken: { [state] in
                // Every token issued so far is past its lifetime: the token check answers 401 as it would.
                state.tokens.expireAll()
                return nil
            },
            route: { await route(RucioRequest(request)) })
    }

    private func route(_ request: RucioRequest) async -> Response {
        do {
            return try await dispatch(request)
        } catch let error as RucioError {
            return RucioReplies.error(error)
        } catch {
            state.logger.warning("request failed", metadata: ["error": "\(error)"])
            return RucioReplies.error(RucioError(500, "RucioException", "Internal error: \(error)"))
        }
    }

    private func dispatch(_ request: RucioRequest) async throws -> Response {
        let segments = request.rawSegments
        let method = request.method
        let auth = AuthAndScopeEndpoints(state: state)
        if segments == ["ping"], method == "GET" { return auth.ping() }
        if segments == ["auth", "userpass"], method == "GET" { return try auth.userpass(request.request) }

        guard let token = request.request.headers[RucioHeader.authToken], !token.isEmpty else {
            throw RucioError(400, "ValueError", "Token must be set.")
        }
        guard let account = state.tokens.account(for: token) else { throw RucioError.cannotAuthenticate }
        try checkAccept(request)

        switch segments.first {
        case "accounts":
            if segments.count == 3, segments[2] == "scopes", method == "GET" {
                return try auth.scopes(ofAccount: try RucioRequest.decode(segments[1]))
            }
            if segments.count == 2, segments[1] == "whoami", method == "GET" { return auth.whoami(account: account) }
        case "scopes":
            if segments.count == 1, method == "GET" { return auth.scopes() }
            if segments.count == 3, method == "POST" {
                return try auth.addScope(account: try RucioRequest.decode(segments[1]),
                                         scope: try RucioRequest.decode(segments[2]), caller: account)
            }
        case "dids":
            return try await dids(request, account: account)
        case "replicas":
            let replicas = ReplicaEndpoints(state: state)
            if segments.count == 1, method == "POST" { return try await replicas.add(request: request, account: account) }
            if segments.count == 1, method == "PUT" { return try await replicas.update(request: request, account: account) }
            if segments.count == 2, segments[1] == "list", method == "POST" { return try await replicas.list(request: request) }
            if segments.count >= 3, method == "GET" {
                return try replicas.get(try RucioRequest.scopeName(segments.dropFirst()), request: request)
            }
        case "rses":
            let rses = RSEEndpoints(state: state)
            if segments.count == 1, method == "GET" { return rses.list() }
            if segments.count >= 2, method == "GET" {
                let rse = try RucioRequest.decode(segments[1])
                switch segments.count == 3 ? segments[2] : nil {
                case nil where segments.count == 2: return try rses.get(rse)
                case "attr"?: return try rses.attributes(rse)
                case "lfns2pfns"?: return try rses.lfns2pfns(rse, request: request)
                default: break
                }
            }
        case "rules":
            if segments.count == 1, method == "POST" {
                return try await RuleEndpoint(state: state).add(request: request, account: account)
            }
            if segments.count == 2, method == "GET" { return try RuleEndpoint(state: state).get(try RucioRequest.decode(segments[1])) }
        default:
            break
        }
        throw RucioError(404, "NotFound", "The requested URL was not found on the server.")
    }

    private func dids(_ request: RucioRequest, account: String) async throws -> Response {
        let segments = request.rawSegments.dropFirst()
        let method = request.method
        let endpoints = DIDEndpoints(state: state)
        guard let first = segments.first else { throw RucioError(404, "NotFound", "The requested URL was not found on the server.") }
        if segments.count == 1, method == "GET" {
            return try endpoints.scopeList(scope: try RucioRequest.decode(first), request: request)
        }
        if segments.count == 3, segments.dropFirst().elementsEqual(["dids", "search"]), method == "GET" {
            return try endpoints.search(scope: try RucioRequest.decode(first), request: request)
        }
        let last = segments[segments.endIndex - 1]
        if segments.count >= 4, segments[segments.endIndex - 2] == "meta", method == "POST" {
            let key = try RucioRequest.scopeName(segments.dropLast(2))
            return try await endpoints.setMeta(key, metaKey: try RucioRequest.decode(last), request: request, account: account)
        }
        if segments.count >= 3 {
            let key = { try RucioRequest.scopeName(segments.dropLast()) }
            switch (last, method) {
            case ("dids", "GET"): return try endpoints.content(try key())
            case ("dids", "POST"): return try await endpoints.attach(try key(), request: request, account: account)
            case ("files", "GET"): return try endpoints.files(try key(), request: request)
            case ("parents", "GET"): return try endpoints.parents(try key())
            case ("meta", "GET"): return try endpoints.meta(try key(), request: request)
            case ("meta", "POST"): return try await endpoints.setMeta(try key(), metaKey: nil, request: request, account: account)
            case ("status", "PUT"): return try await endpoints.setStatus(try key(), request: request, account: account)
            default: break
            }
        }
        let key = try RucioRequest.scopeName(segments)
        switch method {
        case "GET": return try endpoints.get(key, request: request)
        case "POST": return try await endpoints.add(key, request: request, account: account)
        default: throw RucioError(405, "MethodNotAllowed", "The method is not allowed for the requested URL.")
        }
    }

    /// Stream endpoints answer 406 unless `Accept` is absent or allows `application/x-json-stream`/JSON.
    private func checkAccept(_ request: RucioRequest) throws {
        guard let accept = request.request.headers[.accept]?.lowercased(), !accept.isEmpty else { return }
        let acceptable = ["*/*", "application/*", "application/x-json-stream", "application/json", "application/metalink4+xml"]
        guard acceptable.contains(where: { accept.contains($0) }) else {
            throw RucioError(406, "UnsupportedRequestedContentType",
                             "The requested content type \(accept) is not supported. Use ['application/x-json-stream'].")
        }
    }
}

/// Rucio's own header names.
enum RucioHeader {
    // Literal, valid header tokens: the failable initialiser cannot fail, the fallback is never used.
    static let authToken = HeaderName("X-Rucio-Auth-Token") ?? .authorization
    static let authTokenExpires = HeaderName("X-Rucio-Auth-Token-Expires") ?? .authorization
    static let authAccount = HeaderName("X-Rucio-Auth-Account") ?? .authorization
    static let authAccounts = HeaderName("X-Rucio-Auth-Accounts") ?? .authorization
    static let account = HeaderName("X-Rucio-Account") ?? .authorization
    static let username = HeaderName("X-Rucio-Username") ?? .authorization
    static let password = HeaderName("X-Rucio-Password") ?? .authorization
    static let appID = HeaderName("X-Rucio-AppID") ?? .authorization
}
