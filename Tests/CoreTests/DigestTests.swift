import Foundation
import XCTest
@testable import SciencefsCore

/// Digests from libcrypto against published test vectors, and Adler-32's one text form.
final class DigestTests: XCTestCase {
    func testSHA256KnownAnswersInOnePieceAndInMany() {
        var empty = SHA256()
        XCTAssertEqual(empty.finalizeHex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var abc = SHA256()
        abc.update(Data("abc".utf8))
        XCTAssertEqual(abc.finalizeHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let million = Data(repeating: UInt8(ascii: "a"), count: 1_000_000)
        var pieces = SHA256()
        var offset = 0
        while offset < million.count {
            let end = min(million.count, offset + 65_537)
            pieces.update(million.subdata(in: offset..<end))
            offset = end
        }
        XCTAssertEqual(pieces.finalizeHex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testAdler32HasOneTextForm() {
        XCTAssertEqual(Checksum.canonicalAdler32("BEEF01"), "00beef01")
        XCTAssertEqual(Checksum.canonicalAdler32("00beef01"), "00beef01")
        XCTAssertNil(Checksum.canonicalAdler32("xyz"))
        XCTAssertNil(Checksum.canonicalAdler32("123456789"))
        XCTAssertTrue(Checksum.sameAdler32("1", "00000001"))
        XCTAssertFalse(Checksum.sameAdler32("beef01", "beef02"))
        XCTAssertEqual(TransferPlanner.paddedAdler32("ABC"), "00000abc")
    }
}
