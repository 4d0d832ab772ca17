import BackendKit
import Foundation
import XCTest

/// The renewal rules every service's token follows (Agave, Tapis, Rucio): when a token is renewed by time, and the
/// one retry after a rejection.
final class RenewingTokenTests: XCTestCase {
    private struct Rejected: Error {}

    /// Counts renewals and hands out "t1", "t2", … each with the expiry and renewal time `issue` gives.
    private final class Issuer: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var issue: @Sendable (Int) -> RenewingToken.Issued = { RenewingToken.Issued(token: "t\($0)", expiry: nil) }
        var reasons: [String] = []

        var renewals: Int { lock.withLock { count } }

        func renew(_ reason: String) -> RenewingToken.Issued {
            lock.withLock {
                count += 1
                reasons.append(reason)
                return issue(count)
            }
        }
    }

    func testATokenWithoutExpiryIsKeptUntilTheServerRejectsIt() throws {
        let issuer = Issuer()
        let token = RenewingToken(initial: nil, margin: 60) { issuer.renew($0) }
        XCTAssertEqual(try token.current(), "t1")
        XCTAssertEqual(try token.current(), "t1")
        XCTAssertEqual(issuer.renewals, 1)
        XCTAssertEqual(try token.afterRejection(of: "t1"), "t2")
        XCTAssertEqual(issuer.reasons, ["no access token yet", "server rejected the access token"])
    }

    func testATokenIsRenewedTheMarginBeforeItsExpiry() throws {
        let issuer = Issuer()
        let near = RenewingToken(initial: .init(token: "given", expiry: Date().addingTimeInterval(30)), margin: 60) {
            issuer.renew($0)
        }
        XCTAssertEqual(try near.current(), "t1", "30 s left is inside the 60 s margin")
        let far = RenewingToken(initial: .init(token: "given", expiry: Date().addingTimeInterval(3600)), margin: 60) {
            issuer.renew($0)
        }
        XCTAssertEqual(try far.current(), "given")
        XCTAssertEqual(issuer.renewals, 1)
    }

    func testARenewalTimeTheServiceChoseWinsOverTheMargin() throws {
        let issuer = Issuer()
        // A one-minute token and a five-minute margin: by the margin alone every call would renew it; the service
        // says half-way (Rucio's rule).
        let expiry = Date().addingTimeInterval(60)
        let token = RenewingToken(initial: .init(token: "given", expiry: expiry, renewAt: expiry.addingTimeInterval(-30)),
                                  margin: 300) { issuer.renew($0) }
        XCTAssertEqual(try token.current(), "given")
        XCTAssertEqual(try token.current(), "given")
        XCTAssertEqual(issuer.renewals, 0)
        let due = RenewingToken(initial: .init(token: "old", expiry: expiry, renewAt: Date().addingTimeInterval(-1)),
                                margin: 0) { issuer.renew($0) }
        XCTAssertEqual(try due.current(), "t1", "past its renewal time, though not expired")
    }

    func testARejectionRenewsOnceWhateverTheNumberOfCallersThatSawIt() throws {
        let issuer = Issuer()
        let token = RenewingToken(initial: .init(token: "old", expiry: nil), margin: 60) { issuer.renew($0) }
        let results = LockedResults()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            results.add((try? token.afterRejection(of: "old")) ?? "error")
        }
        XCTAssertEqual(issuer.renewals, 1, "the first caller renews; the others get its token")
        XCTAssertEqual(Set(results.all), ["t1"])
    }

    func testAuthorizedRepeatsARejectedCallOnceWithAFreshToken() throws {
        let issuer = Issuer()
        let token = RenewingToken(initial: .init(token: "old", expiry: nil), margin: 60) { issuer.renew($0) }
        var sent: [String] = []
        let answer = try token.authorized(isRejection: { $0 is Rejected }) { value -> String in
            sent.append(value)
            if value == "old" { throw Rejected() }
            return "ok with \(value)"
        }
        XCTAssertEqual(answer, "ok with t1")
        XCTAssertEqual(sent, ["old", "t1"])
        // A body that cannot be sent twice: the rejection is the call's error, and no token is spent on it.
        XCTAssertThrowsError(try token.authorized(repeatable: false, isRejection: { $0 is Rejected }) { _ -> Int in
            throw Rejected()
        }) { XCTAssertTrue($0 is Rejected) }
        XCTAssertEqual(issuer.renewals, 1)
    }
}

private final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String] = []
    func add(_ value: String) { lock.withLock { values.append(value) } }
    var all: [String] { lock.withLock { values } }
}
