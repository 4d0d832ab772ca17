import Foundation

/// Issued auth tokens. A token names its account; validation fails (401 `CannotAuthenticate`) once it expired.
final class RucioTokens: @unchecked Sendable {
    struct Issued {
        let token: String
        let account: String
        let expires: Date
    }

    private let lock = NSLock()
    private var tokens: [String: (account: String, expires: Date)] = [:]
    private let lifetime: TimeInterval

    init(lifetime: TimeInterval) { self.lifetime = lifetime }

    /// A new token shaped like the real ones (`<account>-<identity>-<appid>-<32 hex>`).
    /// Every token issued so far (for tests that check no token reached a log).
    var allIssued: [String] { lock.withLock { Array(tokens.keys) } }

    func issue(account: String, identity: String, appID: String) -> Issued {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max, using: &generator)) }.joined()
        let token = "\(account)-\(identity)-\(appID)-\(random)"
        let expires = Date().addingTimeInterval(lifetime)
        lock.withLock { tokens[token] = (account, expires) }
        return Issued(token: token, account: account, expires: expires)
    }

    /// The token's account, or nil if it is unknown or expired.
    func account(for token: String) -> String? {
        lock.withLock {
            guard let entry = tokens[token], entry.expires > Date() else { return nil }
            return entry.account
        }
    }

    func expireAll() {
        lock.withLock {
            let past = Date().addingTimeInterval(-1)
            for key in tokens.keys { tokens[key]?.expires = past }
        }
    }
}
