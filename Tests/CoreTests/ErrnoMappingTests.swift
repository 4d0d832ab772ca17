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
            XCTAssertFalse(why.isEmpty)
        } else {
            XCTFail("an unknown error must become EIO with a reason")
        }
        XCTAssertEqual(FSError.fromErrno(ENOENT), .notFound)
    }
}
