import XCTest
@testable import SciencefsCore

/// The Core's memory of checksum verdicts: per file version, corrupt ones never forgotten by the size cap, and a
/// refresh of a directory forgetting what lies below it.
final class VerificationLedgerTests: XCTestCase {
    private func key(_ path: String, _ version: String = "10-1000") -> VerificationLedger.Key {
        .init(node: NodeKey(source: "rucio", path: RemotePath(string: path)), version: version)
    }

    func testAVerdictHoldsForOneVersionOnly() {
        let ledger = VerificationLedger()
        ledger.record(key("/s/ds/f"), .corrupt("checksum mismatch"))
        XCTAssertEqual(ledger.state(key("/s/ds/f")), .corrupt("checksum mismatch"))
        XCTAssertNil(ledger.state(key("/s/ds/f", "11-2000")), "the server's object changed: not known corrupt")
    }

    func testTheCapForgetsVerifiedFilesButNeverCorruptOnes() {
        let ledger = VerificationLedger(capacity: 3)
        ledger.record(key("/bad"), .corrupt("bad"))
        ledger.record(key("/a"), .verified)
        ledger.record(key("/b"), .verified)
        ledger.record(key("/c"), .verified)
        XCTAssertEqual(ledger.state(key("/bad")), .corrupt("bad"))
        XCTAssertNil(ledger.state(key("/a")))
        XCTAssertEqual(ledger.state(key("/c")), .verified)
    }

    func testARefreshOfADirectoryForgetsTheFilesBelowIt() {
        let ledger = VerificationLedger()
        ledger.record(key("/s/ds/f"), .corrupt("bad"))
        ledger.record(key("/s/other/g"), .corrupt("bad"))
        ledger.forget(NodeKey(source: "rucio", path: RemotePath(string: "/s/ds")))
        XCTAssertNil(ledger.state(key("/s/ds/f")))
        XCTAssertEqual(ledger.state(key("/s/other/g")), .corrupt("bad"))
    }
}
