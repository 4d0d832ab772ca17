@testable import AgaveBackend
@testable import AMIEBackend
import BackendKit
import Foundation
@testable import FTS3Client
@testable import JDMABackend
@testable import RucioBackend
import SciencefsCore
import SciencefsHTTP
import XCTest

/// One status, one errno, whichever service sent it: every service's mapping goes through `ServiceErrors`, and
/// only the documented overrides differ (FTS3's 419, JDMA's meanings carried in its error text).
final class ServiceErrorsTests: XCTestCase {
    private let statuses: [Int32: [Int]] = [
        EINVAL: [400, 422], EACCES: [401, 403], ENOENT: [404, 410], EEXIST: [409], EFBIG: [413],
        EOPNOTSUPP: [501], ENOSPC: [507], EIO: [500, 502, 503, 418],
    ]

    private func status(_ code: Int) -> HTTPError { .status(code: code, body: Data()) }

    func testEveryServiceMapsEveryCommonStatusToTheSameErrno() {
        for (errno, codes) in statuses {
            for code in codes {
                let mapped: [(String, FSError)] = [
                    ("Agave", AgaveErrorMapping.fsError(status(code), operation: "op", target: "t")),
                    ("Rucio", RucioErrorMapping.fsError(status(code), operation: "op", target: "t")),
                    ("FTS3", FTS3ErrorMapping.fsError(status(code), operation: "op")),
                    ("AMIE", AMIEErrorMapping.fsError(AMIEClientError.server(status: code, message: nil), operation: "op", target: "t")),
                ]
                for (service, error) in mapped {
                    XCTAssertEqual(error.errno, errno, "\(service) HTTP \(code)")
                }
                // JDMA's 403 and 404 carry their meaning in the text; every other status is the common one.
                if code != 403 && code != 404 {
                    XCTAssertEqual(JDMAErrorMapping.fsError(status(code), operation: "op", target: "t").errno, errno, "JDMA HTTP \(code)")
                }
            }
        }
    }

    func testTimeoutsMalformedRepliesAndTheOverrides() {
        let timeout = HTTPError.transport(code: HTTPError.timeoutCode, message: "slow")
        XCTAssertEqual(ServiceErrors.fsError(timeout, context: "x"), .timedOut)
        XCTAssertEqual(FTS3ErrorMapping.fsError(status(419), operation: "submit"), .permissionDenied)
        struct Shape: Decodable { var a: Int }
        do {
            _ = try JSONDecoder().decode(Shape.self, from: Data("{}".utf8))
            XCTFail("decoded")
        } catch {
            guard case .io(let why) = ServiceErrors.fsError(error, context: "Svc list /d") else { return XCTFail("not EIO") }
            XCTAssertEqual(why, "Svc list /d: malformed reply: missing a")
        }
        XCTAssertEqual(ServiceErrors.fsError(status: 400, context: "Svc mkdir /d", message: nil),
                       .invalidArgument("Svc mkdir /d: HTTP 400"))
        XCTAssertEqual(ServiceErrors.fsError(FSError.readOnly, context: "x"), .readOnly, "typed errors pass through")
    }
}
