import Foundation

/// An access token that is renewed before it expires (within `margin`) and when the server rejects it, with the one
/// retry rule: a call the server answers "token rejected" is repeated once with a fresh token, unless its body cannot
/// be sent twice. How a token is got is the service's (`renew`); the token itself is never logged.
///
/// `@unchecked Sendable` because `lock` guards `issued`, and is held across `renew` on purpose: while one thread
/// renews, the others wait for its token instead of each asking for one. Nothing else is locked under it.
public final class RenewingToken: @unchecked Sendable {
    public struct Issued: Sendable {
        public var token: String
        /// When it stops working; nil = unknown (used until the server rejects it).
        public var expiry: Date?
        /// When to renew it, where the service decides (Rucio caps the margin at half the token's lifetime); nil =
        /// `margin` before `expiry`.
        public var renewAt: Date?

        public init(token: String, expiry: Date?, renewAt: Date? = nil) {
            self.token = token
            self.expiry = expiry
            self.renewAt = renewAt
        }

        /// When `current()` stops handing it out and renews it first; nil = never (only a rejection renews it).
        func due(margin: TimeInterval) -> Date? {
            renewAt ?? expiry.map { $0.addingTimeInterval(-margin) }
        }
    }

    private let margin: TimeInterval
    private let renew: @Sendable (_ reason: String) throws -> Issued
    /// Guards `issued`; held across `renew` (see the type's comment).
    private let lock = NSLock()
    private var issued: Issued?

    public init(initial: Issued?, margin: TimeInterval, renew: @escaping @Sendable (_ reason: String) throws -> Issued) {
        self.issued = initial
        self.margin = margin
        self.renew = renew
    }

    /// A token to send now: the current one unless it is (nearly) expired or absent.
    public func current() throws -> String {
        try lock.withLock {
            if let issued {
                guard let due = issued.due(margin: margin), due <= Date() else { return issued.token }
            }
            return try renewLocked(reason: issued == nil ? "no access token yet" : "access token about to expire")
        }
    }

    /// After the server rejected `rejected`: a new token, unless another thread already got one.
    public func afterRejection(of rejected: String) throws -> String {
        try lock.withLock {
            if let issued, issued.token != rejected { return issued.token }
            return try renewLocked(reason: "server rejected the access token")
        }
    }

    /// Runs `call` with a token; when `isRejection` says the server refused the token, renews it and runs `call` once
    /// more, unless `repeatable` is false (a streamed body, already consumed): then the rejection is the call's error.
    public func authorized<R>(repeatable: Bool = true, isRejection: (Error) -> Bool,
                              _ call: (String) throws -> R) throws -> R {
        let token = try current()
        do {
            return try call(token)
        } catch where repeatable && isRejection(error) {
            return try call(try afterRejection(of: token))
        }
    }

    private func renewLocked(reason: String) throws -> String {
        let fresh = try renew(reason)
        issued = fresh
        return fresh.token
    }
}
