@testable import RucioBackend
import XCTest

/// Rucio's RFC 1123 dates; strings Foundation's formatter would trap on are refused first (found by fuzzing).
final class RucioDateTests: XCTestCase {
    func testRucioDatesParse() {
        XCTAssertEqual(RucioDate.parse("Tue, 21 Jul 2026 10:00:00 UTC"), Date(timeIntervalSince1970: 1_784_628_000))
    }

    func testNonASCIIAndOverlongTextIsRefusedWithoutATrap() {
        XCTAssertNil(RucioDate.parse("Mon, 20 Jul 2026 09:00:\u{314}W00"))
        XCTAssertNil(RucioDate.parse("Mon, 20 Jul 2026 09:00:00 " + String(repeating: "U", count: 100)))
    }
}
