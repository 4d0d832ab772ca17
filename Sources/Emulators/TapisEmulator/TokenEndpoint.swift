import EmulatorSupport
import Foundation
import Hummingbird

/// `POST /v3/oauth2/tokens` (docs/protocols/tapis.md §3): the Authenticator's token grant. The body is JSON or a
/// form; the password grant needs `username`/`password`, the refresh grant `refresh_token`. A refresh token is
/// issued only when the request authenticates an OAuth client with HTTP Basic, as the real Authenticator does.
struct TokenEndpoint {
    let state: TapisState

    func handle(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024)
        let text = String(buffer: body)
        let fields: [String: String]
        if (request.headers[.contentType] ?? "").lowercased().hasPrefix("application/json") {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                throw TapisError.badRequest("Invalid JSON in the request body")
            }
            fields = object.compactMapValues { $0 as? String }
        } else {
            fields = FormEncoding.decodeForm(text)
        }
        let configuration = state.configuration
        let username: String
        switch fields["grant_type"] {
        case "password":
            guard let user = fields["username"], let password = fields["password"],
                  let expected = configuration.users[user], expected == password else {
                throw TapisError(401, "Invalid username/password combination.")
            }
            username = user
        case "refresh_token":
            guard let token = fields["refresh_token"], let user = state.tokens.redeem(refreshToken: token) else {
                throw TapisError(401, "Invalid refresh token.")
            }
            username = user
        case let other:
            throw TapisError.badRequest("Invalid grant_type: \(other ?? "none"); use password or refresh_token.")
        }
        let issuer = state.baseURL + "/v3/tokens"
        let access = state.tokens.issueAccess(username: username, tenant: configuration.tenantId, issuer: issuer,
                                              lifetime: state.tokenLifetime, grant: fields["grant_type"] ?? "password")
        var result: [(String, JSONValue)] = [("access_token", Self.tokenObject(access, key: "access_token"))]
        if request.headers[.authorization]?.lowercased().hasPrefix("basic ") == true {
            let refresh = state.tokens.issueRefresh(username: username, tenant: configuration.tenantId, issuer: issuer,
                                                    lifetime: max(state.tokenLifetime, 86_400 * 30))
            result.append(("refresh_token", Self.tokenObject(refresh, key: "refresh_token")))
        }
        state.logger.debug("issued token", metadata: ["user": "\(username)", "grant": "\(fields["grant_type"] ?? "")"])
        return TapisReplies.success(.object(result), message: "Token created successfully.", status: 201,
                                    version: configuration.apiVersion)
    }

    private static func tokenObject(_ issued: TapisTokens.Issued, key: String) -> JSONValue {
        .object([(key, .string(issued.token)), ("expires_at", .string(TapisReplies.instant(issued.expiresAt))),
                 ("expires_in", .int(Int64(issued.lifetime.rounded()))), ("jti", .string(issued.jti))])
    }
}
