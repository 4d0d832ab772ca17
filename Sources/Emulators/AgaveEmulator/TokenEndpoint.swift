import EmulatorSupport
import Foundation
import Hummingbird

/// `POST /token`: the WSO2 OAuth2 endpoint (docs/protocols/agave.md §2.1). Replies are plain OAuth JSON, not
/// Agave envelopes, and errors use OAuth's `{"error","error_description"}` shape.
struct TokenEndpoint {
    let state: EmulatorState

    func handle(_ request: Request) async throws -> Response {
        guard let (key, secret) = Self.basicCredentials(request.headers[.authorization]),
              key == state.configuration.clientKey, secret == state.configuration.clientSecret else {
            return oauthError(401, "invalid_client", "Client Authentication failed.")
        }
        let body = try await request.body.collect(upTo: 64 * 1024)
        let form = FormEncoding.decodeForm(String(buffer: body))
        let username: String
        switch form["grant_type"] {
        case "password":
            guard let user = form["username"], let password = form["password"],
                  let expected = state.configuration.users[user], expected == password else {
                return oauthError(400, "invalid_grant", "Authentication failed for the given username and password.")
            }
            username = user
        case "refresh_token":
            guard let refresh = form["refresh_token"], let user = state.tokens.redeem(refreshToken: refresh) else {
                return oauthError(400, "invalid_grant", "Persisted access token data not found")
            }
            username = user
        case let other:
            return oauthError(400, "unsupported_grant_type", "Unsupported grant_type value: \(other ?? "none")")
        }
        let issued = state.tokens.issue(username: username, lifetime: state.configuration.tokenLifetime)
        state.logger.debug("issued token", metadata: ["user": "\(username)", "grant": "\(form["grant_type"] ?? "")"])
        return Replies.json(.object([
            ("access_token", .string(issued.accessToken)),
            ("refresh_token", .string(issued.refreshToken)),
            ("token_type", "bearer"),
            ("expires_in", .int(Int64(issued.lifetime.rounded()))),
            ("scope", "default"),
        ]), status: 200)
    }

    private func oauthError(_ status: Int, _ code: String, _ description: String) -> Response {
        Replies.json(.object([("error", .string(code)), ("error_description", .string(description))]), status: status)
    }

    /// Decodes `Authorization: Basic base64(key:secret)`.
    static func basicCredentials(_ header: String?) -> (String, String)? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
