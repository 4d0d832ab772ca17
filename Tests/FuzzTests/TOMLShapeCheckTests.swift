@testable import sciencefs
import XCTest

/// The shapes that crashed TOMLKit (found by fuzzing) are refused with a line number; real configs pass.
final class TOMLShapeCheckTests: XCTestCase {
    func testRealConfigsPass() throws {
        let config = """
            \u{FEFF}cache_dir = "~/.cache/sciencefs"   # a comment with [brackets] and "quotes"
            data_cache_size_mb = 4096

            [sources.agave]
            type = "agave"
            "quoted key" = 'literal \\ string'
            list = [1, [2, 3], { a = 1, b.c = "x" }]
            text = \"\"\"
            multi [ line { "string"
            \"\"\"

            [sources.agave.transfer_urls]
            "data.tacc.utexas.edu" = "davs://data.tacc.utexas.edu:443/"

            [[servers]]
            name = 'a'
            """
        XCTAssertNoThrow(try TOMLShapeCheck.check(config))
    }

    func testHeadersAndKeysThatCannotStartAKeyAreRefused() {
        for text in ["[+", "[+]\n", "[a.+]\n", "[[+]]\n", "a.+ = 1\n", "+ = 1\n", "a = { + = 1 }\n", "[a\n", "[\"a\n"] {
            XCTAssertThrowsError(try TOMLShapeCheck.check(text), text) { error in
                XCTAssertTrue("\(error)".hasPrefix("line 1:"), "\(error)")
            }
        }
    }

    func testUnquotedValuesMustBeTOMLScalars() {
        XCTAssertNoThrow(try TOMLShapeCheck.check("""
            a = 1_000
            b = 0xDEAD_BEEF
            c = 6.02e23
            d = 1979-05-27 07:32:00
            e = 1979-05-27T07:32:00.5-07:00
            f = 07:32:00
            g = -inf
            h = [true, false, 1, 2.5]
            """))
        for text in ["negative_ttl =1979-05-27 5\n", "a = 12abc\n", "a = yes\n", "a = 1979-05-27x\n", "a = [1, 2x]\n"] {
            XCTAssertThrowsError(try TOMLShapeCheck.check(text), text)
        }
    }

    func testDepthIsBounded() {
        let deepHeader = "[" + Array(repeating: "a", count: 100_000).joined(separator: ".") + "]\n"
        XCTAssertThrowsError(try TOMLShapeCheck.check(deepHeader))
        XCTAssertThrowsError(try TOMLShapeCheck.check("a = " + String(repeating: "[", count: 100_000)))
        XCTAssertNoThrow(try TOMLShapeCheck.check("[a.b.c]\nx = [[[1]]]\n"))
    }

    func testTheLineNumberCountsMultiLineStrings() {
        XCTAssertThrowsError(try TOMLShapeCheck.check("a = \"\"\"\n\n\"\"\"\n[+]\n")) { error in
            XCTAssertTrue("\(error)".hasPrefix("line 4:"), "\(error)")
        }
    }
}
