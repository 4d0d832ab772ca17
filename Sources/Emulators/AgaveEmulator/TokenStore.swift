import Foundation

/// OAuth2 access and refresh tokens issued by `POST /token`, held in memory only. Thread-safe.
final class TokenStore: @unchecked Sendable {
    enum Validation: Equatable {
        case valid(username: String)
        case expired
        case unknown
    }

    struct Issued {
        let accessToken: String
        let refreshToken: String
        let lifetime: TimeInterval
    }

    private struct AccessToken { let username: String; var expiresAt: Date }

    private let lock = NSLock()
    private var access: [String: AccessToken] = [:]
    /// Refresh token → user. WSO2 rotates refresh tokens: using one invalidates it.
    private var refresh: [String: String] = [:]

    func issue(username: String, lifetime: TimeInterval, now: Date = Date()) -> Issued {
        let issued = Issued(accessToken: Self.randomToken(), refreshToken: Self.randomToken(), lifetime: lifetime)
        lock.withLock {
            access[issued.accessToken] = AccessToken(username: username, expiresAt: now.addingTimeInterval(lifetime))
            refresh[issued.refreshToken] = username
        }
        return issued
    }

    /// Consumes a refresh token, returning its user, or nil if it is unknown or was already used.
    func redeem(refreshToken: String) -> String? {
        lock.withLock { refresh.removeValue(forKey: refreshToken) }
    }

    func validate(accessToken: String, now: Date = Date()) -> Validation {
        lock.withLock {
            guard let token = access[accessToken] else { return .unknown }
            return token.expiresAt > now ? .valid(username: token.username) : .expired
        }
    }

    /// Makes every access token issued so far expired; refresh tokens stay usable.
    /// Every access and refresh token issued so far (for tests that check no token reached a log).
    var allIssued: [String] { lock.withLock { Array(access.keys) + Array(refresh.keys) } }

    func expireAll() {
        lock.withLock {
            let past = Date(timeIntervalSince1970: 0)
            for key in access.keys { access[key]?.expiresAt = past }
        }
    }

    private static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }
            .map { String(repeating: "0", count: 16 - $0.count) + $0 }
            .joined()
    }
}
