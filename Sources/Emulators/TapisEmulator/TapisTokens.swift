import EmulatorSupport
import Foundation

/// Access and refresh tokens issued by `POST /v3/oauth2/tokens`, held in memory only. Tokens are JWTs
/// (docs/protocols/tapis.md §3): clients such as tapipy decode the claims (without checking the signature) to
/// learn `exp`; the emulator checks a token by looking it up, so the signature is random bytes. Thread-safe.
final class TapisTokens: @unchecked Sendable {
    enum Validation: Equatable {
        case valid(username: String)
        case expired
        case unknown
    }

    struct Issued {
        let token: String
        let expiresAt: Date
        let lifetime: TimeInterval
        let jti: String
    }

    private struct Record { let username: String; var expiresAt: Date }

    private let lock = NSLock()
    /// Access token → its user and expiry. Guarded by `lock`.
    private var access: [String: Record] = [:]
    /// Refresh token → its user. A refresh token is single use. Guarded by `lock`.
    private var refresh: [String: Record] = [:]

    func issueAccess(username: String, tenant: String, issuer: String, lifetime: TimeInterval, grant: String,
                     now: Date = Date()) -> Issued {
        let issued = Self.jwt(type: "access", username: username, tenant: tenant, issuer: issuer, lifetime: lifetime,
                              grant: grant, now: now)
        lock.withLock { access[issued.token] = Record(username: username, expiresAt: issued.expiresAt) }
        return issued
    }

    func issueRefresh(username: String, tenant: String, issuer: String, lifetime: TimeInterval, now: Date = Date()) -> Issued {
        let issued = Self.jwt(type: "refresh", username: username, tenant: tenant, issuer: issuer, lifetime: lifetime,
                              grant: nil, now: now)
        lock.withLock { refresh[issued.token] = Record(username: username, expiresAt: issued.expiresAt) }
        return issued
    }

    /// Consumes a refresh token, returning its user, or nil if it is unknown, used or expired.
    func redeem(refreshToken: String, now: Date = Date()) -> String? {
        lock.withLock {
            guard let record = refresh.removeValue(forKey: refreshToken), record.expiresAt > now else { return nil }
            return record.username
        }
    }

    func validate(_ token: String, now: Date = Date()) -> Validation {
        lock.withLock {
            guard let record = access[token] else { return .unknown }
            return record.expiresAt > now ? .valid(username: record.username) : .expired
        }
    }

    /// Makes every access token issued so far expired on the server (their `exp` claims still say otherwise, as
    /// with a token revoked early); refresh tokens stay usable.
    func expireAll() {
        lock.withLock {
            for key in access.keys { access[key]?.expiresAt = Date(timeIntervalSince1970: 0) }
        }
    }

    /// Every token issued so far (tests check that none reached a log).
    var allIssued: [String] { lock.withLock { Array(access.keys) + Array(refresh.keys) } }

    private static func jwt(type: String, username: String, tenant: String, issuer: String, lifetime: TimeInterval,
                            grant: String?, now: Date) -> Issued {
        let expiresAt = now.addingTimeInterval(lifetime)
        let jti = UUID().uuidString.lowercased()
        var claims: [(String, JSONValue)] = [
            ("jti", .string(jti)),
            ("iss", .string(issuer)),
            ("sub", .string("\(username)@\(tenant)")),
            ("tapis/tenant_id", .string(tenant)),
            ("tapis/token_type", .string(type)),
            ("tapis/delegation", .bool(false)),
            ("tapis/delegation_sub", .null),
            ("tapis/username", .string(username)),
            ("tapis/account_type", "user"),
            ("exp", .int(Int64(expiresAt.timeIntervalSince1970.rounded(.down)))),
        ]
        if let grant { claims.append(("tapis/grant_type", .string(grant))) }
        let header = JSONValue.object([("typ", "JWT"), ("alg", "RS256")])
        var generator = SystemRandomNumberGenerator()
        let signature = Data((0..<64).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let token = [Data(header.serialized().utf8), Data(JSONValue.object(claims).serialized().utf8), signature]
            .map(base64URL).joined(separator: ".")
        return Issued(token: token, expiresAt: expiresAt, lifetime: lifetime, jti: jti)
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
