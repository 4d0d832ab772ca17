import Foundation
import TestSupport
import XCTest

/// The docs are the manual, so a link that leads nowhere is a bug: every relative link and `#anchor` in README.md
/// and docs/ must resolve. The check itself is `.ci/check-doc-links`, which a contributor can also run alone.
final class DocLinkTests: XCTestCase {
    func testEveryRelativeLinkInTheReadmeAndDocsResolves() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let checker = repository.appendingPathComponent(".ci/check-doc-links").path
        let result = try TestProcess.run("/usr/bin/python3", [checker], timeout: 60)
        XCTAssertEqual(result.status, 0, "broken links in README.md or docs/:\n\(result.output)")
    }
}
