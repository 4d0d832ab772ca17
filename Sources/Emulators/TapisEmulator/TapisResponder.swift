import EmulatorSupport
import Foundation
import Hummingbird

/// The one HTTP responder: applies injected faults, checks `X-Tapis-Token`, routes by path, turns `TapisError`s
/// into error envelopes, and records every exchange in the request log.
///
/// Routing is done on the raw, still percent-encoded path, so an encoded `/` (`%2F`) inside a name can never be
/// mistaken for a separator.
struct TapisResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let state: TapisState
    private static let tokenHeader = HTTPFields.Element.Name("X-Tapis-Token")!

    func respond(to request: Request, context: Context) async throws -> Response {
        let rawPath = request.uri.path
        let rawQuery = request.uri.query
        let query = FormEncoding.decodeForm(rawQuery ?? "")
        let method = request.method.rawValue
        let rawSegments = rawPath.split(separator: "/", omittingEmptySubsequences: true)
        let loggedPath = "/" + rawSegments.map { FormEncoding.percentDecode($0, plusIsSpace: false) ?? String($0) }
            .joined(separator: "/") + (rawPath.hasSuffix("/") && !rawSegments.isEmpty ? "/" : "")
        let version = state.configuration.apiVersion

        let dialect = FaultedExchange.Dialect(
            status: { code in TapisReplies.error(TapisError(code, "Injected fault: HTTP \(code)"), version: version) },
            malformedJSON: {
                Response(status: .ok, headers: [.contentType: TapisReplies.jsonContentType],
                         body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"status\":\"success\",\"result\":[{\"name\":")))
            },
            expiredToken: { [state] in
                // Every token is expired on the server, so the normal path answers 401 as it would.
                state.tokens.expireAll()
                return nil
            })
        let action = state.faults.take(method: method, path: loggedPath)
        let interrupted = InterruptedRequestBody.applying(action, to: request, faults: state.faults)
        let routed = interrupted ?? request
        let exchange = try await FaultedExchange.perform(action, faults: state.faults, dialect: dialect) {
            await route(routed, rawSegments: rawSegments, query: query)
        }
        var response = exchange.response
        // An upload refused halfway: the rest of its body is not read, so the connection cannot carry another request.
        if interrupted != nil { response.headers[.connection] = "close" }

        state.requestLog.record(request, path: loggedPath, response: &response, shaping: exchange.shaping)
        state.logger.debug("\(method) \(loggedPath)", metadata: ["status": "\(response.status.code)"])
        return response
    }

    private func route(_ request: Request, rawSegments: [Substring], query: [String: String]) async -> Response {
        do {
            if rawSegments.first.map(String.init) == TapisStorageDoor.prefix {
                return try await TapisStorageDoor(state: state).respond(request, rawSegments: rawSegments.dropFirst())
            }
            if rawSegments == ["v3", "oauth2", "tokens"] {
                guard request.method == .post else { throw TapisError(405, "Use POST for /v3/oauth2/tokens") }
                return try await TokenEndpoint(state: state).handle(request)
            }
            let user = try authenticate(request)
            return try await routeAuthenticated(request, rawSegments: rawSegments, query: query, user: user)
        } catch let error as TapisError {
            return TapisReplies.error(error, version: state.configuration.apiVersion)
        } catch let invalid as SystemPath.InvalidPath {
            return TapisReplies.error(.badRequest(invalid.message), version: state.configuration.apiVersion)
        } catch {
            state.logger.warning("request failed", metadata: ["error": "\(error)"])
            return TapisReplies.error(TapisError(500, "Internal error: \(error)"), version: state.configuration.apiVersion)
        }
    }

    private func routeAuthenticated(_ request: Request, rawSegments: [Substring], query: [String: String],
                                    user: String) async throws -> Response {
        guard rawSegments.first == "v3", rawSegments.count >= 2 else { throw TapisError.notFound("Unknown endpoint") }
        let rest = rawSegments.dropFirst(2)
        switch rawSegments[1] {
        case "systems":
            guard request.method == .get else { throw TapisError(405, "Method not allowed") }
            let systems = SystemsEndpoint(state: state)
            if rest.isEmpty { return try systems.list(query: query, user: user) }
            if rest.count == 1 { return try systems.get(rawId: rest[rest.startIndex], query: query, user: user) }
        case "files":
            return try await FilesEndpoint(state: state).respond(request, rawSegments: rest, query: query, user: user)
        case "jobs":
            return try JobsEndpoint(state: state).respond(request, rawSegments: rest, query: query, user: user)
        default:
            break
        }
        throw TapisError.notFound("Unknown endpoint \(request.uri.path)")
    }

    /// The `X-Tapis-Token` check (docs/protocols/tapis.md §3.3).
    private func authenticate(_ request: Request) throws -> String {
        guard let token = request.headers[Self.tokenHeader], !token.isEmpty else {
            throw TapisError(401, "TAPIS_SECURITY_MISSING_JWT No JWT found in the X-Tapis-Token header.")
        }
        switch state.tokens.validate(token.trimmingCharacters(in: .whitespaces)) {
        case .valid(let user): return user
        case .expired: throw TapisError(401, "TAPIS_SECURITY_JWT_EXPIRED The JWT in the X-Tapis-Token header has expired.")
        case .unknown: throw TapisError(401, "TAPIS_SECURITY_JWT_INVALID The JWT in the X-Tapis-Token header is not valid.")
        }
    }
}
