import Foundation
import XCTest
@testable import SciencefsCore

final class ErrnoMappingTests: XCTestCase {
    func testEveryErrorHasItsErrno() {
        let expected: [(FSError, Int32)] = [
            (.notFound, ENOENT), (.permissionDenied, EACCES), (.exists, EEXIST), (.notEmpty, ENOTEMPTY),
            (.notDirectory, ENOTDIR), (.isDirectory, EISDIR), (.quotaExceeded, EDQUOT), (.noSpace, ENOSPC),
            (.timedOut, ETIMEDOUT), (.wouldBlock, EAGAIN), (.unsupported, EOPNOTSUPP), (.crossDevice, EXDEV),
            (.invalidArgument("x"), EINVAL), (.readOnly, EROFS), (.nameTooLong, ENAMETOOLONG),
            (.noAttribute, ENODATA), (.rangeTooSmall, ERANGE), (.io("server said 500"), EIO),
        ]
        for (error, errno) in expected { XCTAssertEqual(error.errno, errno, "\(error)") }
    }

    func testUnknownUnsupportedIsNeverENOSYS() {
        // ENOSYS would switch an operation off for the rest of the mount.
        XCTAssertNotEqual(FSError.unsupported.errno, ENOSYS)
    }

    func testForeignErrorsBecomeTypedErrors() {
        XCTAssertEqual(FSError.from(POSIXError(.ENOSPC)), .noSpace)
        XCTAssertEqual(FSError.from(FSError.exists), .exists)
        if case .io(let why) = FSError.from(NSError(domain: "x", code: 1)) {
            XCTAssertFalse(why.description.isEmpty)
        } else {
            XCTFail("an unknown error must become EIO with a reason")
        }
        XCTAssertEqual(FSError.fromErrno(ENOENT), .notFound)
    }
}

final class ChecksumTests: XCTestCase {
    func testAdler32AndMD5OfKnownInputs() {
        // Reference values from zlib's adler32() and md5sum.
        let result = ChecksumCalculator.compute(Data("Wikipedia".utf8))
        XCTAssertEqual(result.adler32, "11e60398")
        XCTAssertEqual(ChecksumCalculator.compute(Data()).adler32, "00000001")
        XCTAssertEqual(ChecksumCalculator.compute(Data("abc".utf8)).md5, "900150983cd24fb0d6963f7d28e17f72")
    }

    func testMD5MatchesRFC1321VectorsAcrossBlockBoundaries() {
        let vectors = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
             "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (input, digest) in vectors { XCTAssertEqual(ChecksumCalculator.compute(Data(input.utf8)).md5, digest, input) }
        // Fed in uneven pieces, the digest is the same as in one piece.
        let data = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        var pieces = MD5()
        var offset = 0
        for size in [1, 63, 64, 65, 127, 3000, 6680] {
            data[offset..<offset + size].withUnsafeBytes { pieces.update($0) }
            offset += size
        }
        XCTAssertEqual(pieces.finalizeHex(), ChecksumCalculator.compute(data).md5)
    }

    func testLargeInputsKeepTheModuloCorrect() {
        let data = Data(repeating: 0xff, count: 100_000)
        var adler = Adler32()
        data.withUnsafeBytes { adler.update($0) }
        // Computed byte by byte with the textbook definition.
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        XCTAssertEqual(adler.value, (b << 16) | a)
    }

    func testLeadingZerosDoNotMatterForAdler32ButDigitsDo() {
        let actual = ChecksumCalculator.Result(adler32: "0a1b2c3d", md5: "x")
        XCTAssertNil(ChecksumCalculator.mismatch(expected: [.adler32("a1b2c3d")], actual: actual))
        XCTAssertNotNil(ChecksumCalculator.mismatch(expected: [.adler32("0a1b2c3e")], actual: actual))
    }

    func testSHA256IsComputedOnlyWhenAskedForAndComparedLikeTheOthers() {
        let data = Data("abc".utf8)
        let digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" // FIPS 180-2, "abc"
        XCTAssertNil(ChecksumCalculator.compute(data).sha256, "not asked for: not computed")
        let result = ChecksumCalculator.compute(data, for: [.sha256(digest.uppercased())])
        XCTAssertEqual(result.sha256, digest)
        XCTAssertNil(ChecksumCalculator.mismatch(expected: [.sha256(digest.uppercased())], actual: result))
        XCTAssertNotNil(ChecksumCalculator.mismatch(expected: [.sha256(String(repeating: "0", count: 64))], actual: result))
    }

    func testPublishedDigestsAreReadUnderTheServicesNamesForTheirAlgorithm() {
        XCTAssertEqual(Checksum(algorithm: "SHA-256", hex: "ABCD"), .sha256("abcd"))
        XCTAssertEqual(Checksum(algorithm: "ADLER32", hex: "1f"), .adler32("1f"))
        XCTAssertEqual(Checksum(algorithm: "md5", hex: "00ff"), .md5("00ff"))
        XCTAssertNil(Checksum(algorithm: "crc32c", hex: "1234"), "an algorithm the Core does not know")
        XCTAssertNil(Checksum(algorithm: "md5", hex: "0"), "services write 0 for not computed")
        XCTAssertNil(Checksum(algorithm: "md5", hex: "xyz"))
    }
}
