import EmulatorSupport
import Foundation
import Hummingbird

/// The one HTTP responder: applies injected faults, checks the bearer token, routes by path, turns
/// `AgaveError`s into envelopes, and records every exchange in the request log.
///
/// Routing is done on the raw, still percent-encoded path, so an encoded `/` (`%2F`) inside a name can never be
/// mistaken for a separator.
struct AgaveResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let state: EmulatorState

    func respond(to request: Request, context: Context) async throws -> Response {
        let rawPath = request.uri.path
        let rawQuery = request.uri.query
        let query = FormEncoding.decodeForm(rawQuery ?? "")
        let options = ReplyOptions(query: query)
        let method = request.method.rawValue
        let rawSegments = rawPath.split(separator: "/", omittingEmptySubsequences: true)
        let loggedPath = "/" + rawSegments.map { FormEncoding.percentDecode($0, plusIsSpace: false) ?? String($0) }
            .joined(separator: "/") + (rawPath.hasSuffix("/") && !rawSegments.isEmpty ? "/" : "")

        let dialect = FaultedExchange.Dialect(
            status: { code in
                Replies.error(AgaveError(code, "Injected fault: HTTP \(code)"), options: options,
                              version: state.configuration.apiVersion)
            },
            malformedJSON: {
                Replies.text("{\"status\":\"success\",\"message\":null,\"result\":[{\"name\":", status: 200,
                             contentType: Replies.jsonContentType)
            },
            expiredToken: { [state] in
                // What the gateway does with a token past its lifetime: every token is expired, so the normal
                // path answers 401 as it would.
                state.tokens.expireAll()
                return nil
            })
        let action = state.faults.take(method: method, path: loggedPath)
        let interrupted = InterruptedRequestBody.applying(action, to: request, faults: state.faults)
        let routed = interrupted ?? request
        let exchange = try await FaultedExchange.perform(action, faults: state.faults, dialect: dialect) {
            await route(routed, rawSegments: rawSegments, query: query, options: options)
        }
        var response = exchange.response
        // An upload refused halfway: the rest of its body is not read, so the connection cannot carry another request.
        if interrupted != nil { response.headers[.connection] = "close" }

        state.requestLog.record(request, path: loggedPath, response: &response, shaping: exchange.shaping)
        state.logger.debug("\(method) \(loggedPath)", metadata: ["status": "\(response.status.code)"])
        return response
    }

    private func route(_ request: Request, rawSegments: [Substring], query: [String: String], options: ReplyOptions) async -> Response {
        do {
            if rawSegments.first.map(String.init) == StorageDoor.prefix {
                return try await StorageDoor(state: state).respond(request, rawSegments: rawSegments.dropFirst(), options: options)
            }
            if rawSegments == ["token"] {
                guard request.method == .post else { throw AgaveError(405, "Use POST for /token") }
                return try await TokenEndpoint(state: state).handle(request)
            }
            let owner: String
            switch authenticate(request) {
            case .success(let user): owner = user
            case .failure(let fault): return fault.response
            }
            return try await routeAuthenticated(request, rawSegments: rawSegments, query: query, options: options, owner: owner)
        } catch let error as AgaveError {
            return Replies.error(error, options: options, version: state.configuration.apiVersion)
        } catch let invalid as SystemPath.InvalidPath {
            return Replies.error(AgaveError.badRequest(invalid.message), options: options,
                                 version: state.configuration.apiVersion)
        } catch {
            state.logger.warning("request failed", metadata: ["error": "\(error)"])
            return Replies.error(AgaveError(500, "Internal error: \(error)"), options: options,
                                 version: state.configuration.apiVersion)
        }
    }

    private func routeAuthenticated(_ request: Request, rawSegments: [Substring], query: [String: String],
                                    options: ReplyOptions, owner: String) async throws -> Response {
        let method = request.method
        switch (rawSegments.first, rawSegments.dropFirst().first) {
        case ("systems", "v2"):
            guard method == .get else { throw AgaveError(405, "Method not allowed") }
            if rawSegments.count == 2 { return SystemsEndpoint(state: state).list(query: query, options: options) }
            if rawSegments.count == 3 { return try SystemsEndpoint(state: state).get(rawId: rawSegments[2], options: options) }
        case ("jobs", "v2"):
            return try await JobsEndpoint(state: state).respond(request, rawSegments: rawSegments.dropFirst(2), query: query,
                                                               options: options, owner: owner)
        case ("files", "v2") where rawSegments.count >= 3:
            let kind = rawSegments[2]
            let rest = rawSegments.dropFirst(3)
            let path: SystemPath
            if rest.first == "system", rest.count >= 2 {
                path = try state.systemPath(rawSystemId: rest[rest.startIndex + 1], rawSegments: rest.dropFirst(2))
            } else {
                path = try state.defaultSystemPath(rawSegments: rest)
            }
            return try await files(kind: kind, path: path, request: request, query: query, options: options, owner: owner)
        default:
            break
        }
        throw AgaveError(404, "Unknown endpoint \(request.uri.path)")
    }

    private func files(kind: Substring, path: SystemPath, request: Request, query: [String: String],
                       options: ReplyOptions, owner: String) async throws -> Response {
        switch (kind, request.method) {
        case ("listings", .get):
            return try ListingsEndpoint(state: state).list(path, query: query, options: options)
        case ("media", .get), ("media", .head):
            return try MediaDownload(state: state).respond(path, request: request, query: query, options: options)
        case ("media", .post):
            return try await UploadEndpoint(state: state).respond(path, request: request, owner: owner, options: options)
        case ("media", .put):
            return try await ManageEndpoint(state: state).manage(path, request: request, owner: owner, options: options)
        case ("media", .delete):
            return try ManageEndpoint(state: state).delete(path, options: options)
        case ("pems", .get):
            return try PemsAndHistoryEndpoint(state: state).permissions(path, owner: owner, options: options)
        case ("pems", .post):
            throw AgaveError(501, "Permission updates are not supported by the emulator")
        case ("history", .get):
            return try PemsAndHistoryEndpoint(state: state).history(path, query: query, owner: owner, options: options)
        default:
            throw AgaveError(405, "\(request.method.rawValue) is not supported on /files/v2/\(kind)")
        }
    }

    private struct GatewayFault: Error {
        let response: Response
    }

    /// The gateway's bearer-token check. Unknown or missing tokens get fault 900901 "Invalid Credentials";
    /// expired tokens get code 900903 but keep the message "Invalid Credentials", because that message is what
    /// agavepy's `with_refresh` looks for before refreshing and retrying.
    private func authenticate(_ request: Request) -> Result<String, GatewayFault> {
        guard let header = request.headers[.authorization] else {
            return .failure(GatewayFault(response: Replies.gatewayFault(
                code: 900901, message: "Invalid Credentials",
                description: "Missing Credentials. Make sure your API invocation call has a header: \"Authorization: Bearer ACCESS_TOKEN\"")))
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        let token = parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
        switch state.tokens.validate(accessToken: token) {
        case .valid(let user):
            return .success(user)
        case .expired:
            return .failure(GatewayFault(response: Replies.gatewayFault(
                code: 900903, message: "Invalid Credentials",
                description: "Access Token Expired. Renew the access token with the refresh_token grant.")))
        case .unknown:
            return .failure(GatewayFault(response: Replies.gatewayFault(
                code: 900901, message: "Invalid Credentials",
                description: "Invalid Credentials. Make sure you have given the correct access token")))
        }
    }
}
