import BackendKit
@testable import SciencefsCore
import XCTest

/// `user.sciencefs.served_from` never shows a credential: a backend reports URLs through `report(_:url:detail:)`.
final class ReadOriginReportingTests: XCTestCase {
    private func reported(_ url: String, detail: String? = nil) -> String? {
        let origins = ReadOrigins()
        origins.reporter(for: "rucio").report(RemotePath(string: "/s/f"), url: url, detail: detail)
        return origins.origin(of: NodeKey(source: "rucio", path: RemotePath(string: "/s/f")))
    }

    func testUserInfoAndQueryTokensAreRemovedAndTheRSEKept() {
        XCTAssertEqual(reported("https://alice:s3cret@storage.example:8443/rucio/s/f?authz=TOKEN123&sig=abc#frag",
                                detail: "RSE SITE_A"),
                       "https://storage.example:8443/rucio/s/f (RSE SITE_A)")
    }

    func testAPlainURLIsReportedAsItIs() {
        XCTAssertEqual(reported("http://127.0.0.1:8080/files/v2/media/system/data.test/f.txt"),
                       "http://127.0.0.1:8080/files/v2/media/system/data.test/f.txt")
    }

    func testAnAtSignInThePathIsNotMistakenForUserInfo() {
        XCTAssertEqual(reported("davs://host/path/user@example.org/f?X-Amz-Signature=deadbeef"),
                       "davs://host/path/user@example.org/f")
    }
}
