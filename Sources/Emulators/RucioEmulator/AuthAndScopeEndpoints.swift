import EmulatorSupport
import Foundation
import Hummingbird

/// `/ping`, `/auth/userpass`, `/accounts/{account}/scopes/`, `/accounts/whoami` and `/scopes/`.
struct AuthAndScopeEndpoints {
    let state: RucioServerState

    func ping() -> Response {
        RucioReplies.json(.object([("version", .string(state.configuration.serverVersion))]))
    }

    /// The token comes back in headers with an empty body. Without `X-Rucio-Account` the identity must map to
    /// exactly one account; several give 206 with `X-Rucio-Auth-Accounts`.
    func userpass(_ request: Request) throws -> Response {
        let headers = request.headers
        guard let username = headers[RucioHeader.username], !username.isEmpty,
              let password = headers[RucioHeader.password], !password.isEmpty else {
            throw RucioError(401, "CannotAuthenticate", "Cannot authenticate without passing all required arguments")
        }
        let requested = headers[RucioHeader.account].flatMap { $0.isEmpty ? nil : $0 }
        let appID = headers[RucioHeader.appID] ?? "unknown"
        let matching = state.configuration.accounts
            .filter { $0.value.username == username && $0.value.password == password }.map(\.key).sorted()
        let account: String
        if let requested {
            guard matching.contains(requested) else {
                throw RucioError(401, "CannotAuthenticate", "Cannot authenticate to account \(requested) with given credentials")
            }
            account = requested
        } else if matching.count == 1, let only = matching.first {
            account = only
        } else if matching.isEmpty {
            throw RucioError(401, "IdentityNotFound", "Cannot authenticate. Username/Password pair does not exist.")
        } else {
            var response = RucioReplies.json(.array(matching.map(JSONValue.string)), status: 206)
            response.headers[RucioHeader.authAccounts] = matching.joined(separator: ",")
            return response
        }
        let issued = state.tokens.issue(account: account, identity: username, appID: appID)
        state.logger.debug("issued token", metadata: ["account": "\(account)"])
        var fields: HTTPFields = [.contentType: "application/octet-stream",
                                  .cacheControl: "no-cache, no-store, max-age=0, must-revalidate"]
        fields[RucioHeader.authAccount] = account
        fields[RucioHeader.authToken] = issued.token
        fields[RucioHeader.authTokenExpires] = RucioDate.format(issued.expires)
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer()))
    }

    func scopes() -> Response {
        RucioReplies.json(.array(state.catalog.allScopes.map(JSONValue.string)))
    }

    func scopes(ofAccount account: String) throws -> Response {
        guard state.configuration.accounts[account] != nil else {
            throw RucioError(404, "AccountNotFound", "Account with ID '\(account)' cannot be found")
        }
        let scopes = state.catalog.scopes(ownedBy: account)
        guard !scopes.isEmpty else {
            throw RucioError(404, "ScopeNotFound", "no scopes found for account ID '\(account)'")
        }
        return RucioReplies.json(.array(scopes.map(JSONValue.string)))
    }

    func whoami(account: String) -> Response {
        RucioReplies.json(.object([("account", .string(account)), ("account_type", account == "root" ? "SERVICE" : "USER"),
                                   ("status", "ACTIVE"), ("email", .null), ("suspended_at", .null), ("deleted_at", .null)]))
    }

    /// `POST /scopes/{account}/{scope}` (the real route is privileged; the emulator lets `root` do it).
    func addScope(account: String, scope: String, caller: String) throws -> Response {
        guard caller == "root" else { throw RucioError(401, "AccessDenied", "Account \(caller) can not add scope") }
        guard state.configuration.accounts[account] != nil else {
            throw RucioError(404, "AccountNotFound", "Account ID '\(account)' does not exist")
        }
        try state.catalog.addScope(scope, account: account)
        return RucioReplies.created
    }
}
