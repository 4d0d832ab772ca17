import AMIEBackend
import Foundation
import XCTest

/// Packet dates: the shapes Python's `isoformat()` writes parse; anything else is refused before it reaches ICU
/// (which crashed on a one-digit-field date with a very long fraction, found by fuzzing).
final class AMIETimestampTests: XCTestCase {
    func testPythonShapesParse() {
        XCTAssertEqual(AMIETimestamp.parse("2020-06-05T09:25:37"), Date(timeIntervalSince1970: 1_591_349_137))
        XCTAssertEqual(AMIETimestamp.parse("2020-06-05 09:25:37"), Date(timeIntervalSince1970: 1_591_349_137))
        XCTAssertEqual(AMIETimestamp.parse("2020-06-05T10:25:37+01:00"), Date(timeIntervalSince1970: 1_591_349_137))
        XCTAssertEqual(AMIETimestamp.parse("2020-06-05T09:25:37.5Z")?.timeIntervalSince1970 ?? 0, 1_591_349_137.5, accuracy: 0.001)
        XCTAssertNotNil(AMIETimestamp.parse("2020-06-05"))
    }

    func testAVeryLongFractionIsCutNotACrash() {
        let date = AMIETimestamp.parse("2024-07-01T09:25:37.12999999999999999999999999999999999999993456")
        XCTAssertEqual(date?.timeIntervalSince1970 ?? 0, 1_719_825_937.129999, accuracy: 0.001)
    }

    func testOtherShapesAreRefused() {
        for text in ["4-7-1T9:5:7.19999999999999999999999999999993456", "2020-6-05T09:25:37", "2020-06-05T09:25:37.",
                     "2020-06-05T09:25:37+1", "2020-06-05T09:25:37 junk", "yesterday", ""] {
            XCTAssertNil(AMIETimestamp.parse(text), text)
        }
    }
}
