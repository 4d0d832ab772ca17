import XCTest
@testable import SciencefsCore

/// The Core's memory of checksum verdicts: per file version, corrupt ones never forgotten by the size cap, and a
/// refresh of a directory forgetting what lies below it.
final class VerificationLedgerTests: XCTestCase {
    private func key(_ path: String, _ version: String = "10-1000") -> VerificationLedger.Key {
        .init(node: NodeKey(source: "rucio", path: RemotePath(string: path)), version: version)
    }

    private let checked = VerificationLedger.CheckedChecksums(checksums: [.adler32("0a1b2c3d")],
                                                              at: Date(timeIntervalSince1970: 1_800_000_000))

    func testAVerdictHoldsForOneVersionOnly() {
        let ledger = VerificationLedger()
        ledger.record(key("/s/ds/f"), .corrupt("checksum mismatch"))
        XCTAssertEqual(ledger.state(key("/s/ds/f")), .corrupt("checksum mismatch"))
        XCTAssertNil(ledger.state(key("/s/ds/f", "11-2000")), "the server's object changed: not known corrupt")
    }

    func testTheCapForgetsVerifiedFilesButNeverCorruptOnes() {
        let ledger = VerificationLedger(capacity: 3)
        ledger.record(key("/bad"), .corrupt("bad"))
        ledger.record(key("/a"), .verified(checked))
        ledger.record(key("/b"), .verified(checked))
        ledger.record(key("/c"), .verified(checked))
        XCTAssertEqual(ledger.state(key("/bad")), .corrupt("bad"))
        XCTAssertNil(ledger.state(key("/a")))
        XCTAssertEqual(ledger.state(key("/c")), .verified(checked))
    }

    func testARefreshOfADirectoryForgetsTheFilesBelowIt() {
        let ledger = VerificationLedger()
        ledger.record(key("/s/ds/f"), .corrupt("bad"))
        ledger.record(key("/s/other/g"), .corrupt("bad"))
        ledger.forget(NodeKey(source: "rucio", path: RemotePath(string: "/s/ds")))
        XCTAssertNil(ledger.state(key("/s/ds/f")))
        XCTAssertEqual(ledger.state(key("/s/other/g")), .corrupt("bad"))
    }

    func testVerifiedSaysWhichChecksumsMatchedAndWhen() {
        let both = VerificationLedger.CheckedChecksums(checksums: [.adler32("0a1b2c3d"), .md5("d41d8cd98f00b204e9800998ecf8427e")],
                                                       at: Date(timeIntervalSince1970: 1_800_000_000))
        XCTAssertEqual(VFS.verifiedDescription(both),
                       "adler32:0a1b2c3d md5:d41d8cd98f00b204e9800998ecf8427e at 2027-01-15T08:00:00Z")
    }
}
