import Foundation
import XCTest
@testable import JDMABackend
import SciencefsCore

/// Stage codes, digest formats and the SHA-256 used for digests the Core cannot check.
final class StagesAndDigestsTests: XCTestCase {
    func testStageNames() {
        XCTAssertEqual(JDMAStages.Batch.name(of: 2), "ON_STORAGE")
        XCTAssertEqual(JDMAStages.Batch.name(of: 5), "DELETED")
        XCTAssertEqual(JDMAStages.Batch.name(of: 42), "UNKNOWN(42)")
        XCTAssertEqual(JDMAStages.Request.name(of: 3), "PUT_PACKING")
        XCTAssertEqual(JDMAStages.Request.name(of: 2), "PUT_PENDING")
        XCTAssertEqual(JDMAStages.Request.name(of: 103), "GET_UNPACKING")
        XCTAssertEqual(JDMAStages.Request.name(of: 106), "GET_COMPLETED")
        XCTAssertEqual(JDMAStages.Request.name(of: 204), "DELETE_COMPLETED")
        XCTAssertEqual(JDMAStages.Request.name(of: 1001), "FAILED_COMPLETED")
        XCTAssertEqual(JDMAStages.RequestKind(rawValue: 2)?.name, "MIGRATE")
    }

    func testFinalStages() {
        let final = JDMAStages.Request.allCases.filter(\.isFinal)
        XCTAssertEqual(Set(final), [.putCompleted, .getCompleted, .deleteCompleted, .failed, .failedCompleted])
        XCTAssertTrue(JDMAStages.Request.failed.isFailure)
        XCTAssertFalse(JDMAStages.Request.getCompleted.isFailure)
        XCTAssertEqual(JDMAStages.Request.allCases.count, 24)
    }

    func testDigestFormats() {
        XCTAssertEqual(DigestCheck.coreChecksum(digest: "ABCDEF", format: "MD5"), .md5("abcdef"))
        XCTAssertEqual(DigestCheck.coreChecksum(digest: "0a1b", format: "adler32"), .adler32("0a1b"))
        XCTAssertNil(DigestCheck.coreChecksum(digest: "0", format: "md5"), "\"0\" marks a directory, not a digest")
        XCTAssertEqual(DigestCheck.coreChecksum(digest: "AB", format: "SHA-256"), .sha256("ab"))
        XCTAssertNil(DigestCheck.coreChecksum(digest: nil, format: "sha256"))
    }

    func testSHA256KnownVectors() {
        func hex(_ text: String) -> String {
            var h = SHA256()
            h.update(Data(text.utf8))
            return h.finalizeHex()
        }
        XCTAssertEqual(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testSHA256OfAFileFedInUnevenChunksMatchesOneShot() throws {
        let bytes = Data((0..<200_003).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        var oneShot = SHA256()
        oneShot.update(bytes)
        var chunked = SHA256()
        var index = 0
        for size in [1, 63, 64, 65, 1000, 7] where index < bytes.count {
            chunked.update(bytes[index..<min(index + size, bytes.count)])
            index += size
        }
        chunked.update(bytes[index...])
        let expected = oneShot.finalizeHex()
        XCTAssertEqual(chunked.finalizeHex(), expected)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("jdma-sha-\(UUID().uuidString)")
        try bytes.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let fd = open(url.path, O_RDONLY)
        defer { close(fd) }
        XCTAssertEqual(try ChecksumCalculator.compute(fileDescriptor: fd, length: UInt64(bytes.count),
                                                      for: [.sha256(expected)]).sha256, expected)
    }
}
