import AgaveEmulator
import XCTest

/// The emulator's own HTTP parsing, checked without a server: Range rules (Agave answers 416 rather than
/// truncating) and the streaming multipart parser across arbitrary chunk boundaries.
final class EmulatorParserTests: XCTestCase {
    func testRangeFollowsAgave416RulesInsteadOfTruncating() {
        XCTAssertEqual(HTTPRange.parse(nil, length: 100), .whole)
        XCTAssertEqual(HTTPRange.parse("bytes=0-9", length: 100), .partial(0...9))
        XCTAssertEqual(HTTPRange.parse("bytes=90-", length: 100), .partial(90...99))
        XCTAssertEqual(HTTPRange.parse("bytes=-10", length: 100), .partial(90...99))
        XCTAssertEqual(HTTPRange.parse("bytes=5-9, 20-30", length: 100), .partial(5...9), "only the first range counts")
        XCTAssertEqual(HTTPRange.parse("bytes=90-100", length: 100), .unsatisfiable, "end past EOF is 416, not truncated")
        XCTAssertEqual(HTTPRange.parse("bytes=100-", length: 100), .unsatisfiable)
        XCTAssertEqual(HTTPRange.parse("bytes=9-5", length: 100), .unsatisfiable)
        XCTAssertEqual(HTTPRange.parse("items=0-5", length: 100), .whole)
    }

    func testMultipartParserSplitsPartsAcrossEveryChunkBoundary() throws {
        let payload = DeterministicData.bytes(count: 5_000, seed: 3) + Array("\r\n--almost".utf8)
        var body = Array("preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"fileName\"\r\n\r\nrésumé.txt\r\n".utf8)
        body += Array("--XyZ\r\nContent-Disposition: form-data; name=\"fileToUpload\"; filename=\"a \\\"q\\\".bin\"\r\nContent-Type: text/plain\r\n\r\n".utf8)
        body += payload
        body += Array("\r\n--XyZ--\r\nepilogue".utf8)

        for chunkSize in [1, 2, 7, 64, 4096, body.count] {
            var parser = MultipartParser(boundary: "XyZ")
            var parts: [(MultipartPartHeaders, [UInt8])] = []
            var index = 0
            while index < body.count {
                for event in try parser.feed(body[index..<min(body.count, index + chunkSize)]) {
                    switch event {
                    case .partBegin(let headers): parts.append((headers, []))
                    case .partData(let bytes): parts[parts.count - 1].1 += bytes
                    case .partEnd: break
                    }
                }
                index += chunkSize
            }
            try parser.finish()
            XCTAssertEqual(parts.count, 2, "chunk size \(chunkSize)")
            XCTAssertEqual(parts[0].0.name, "fileName")
            XCTAssertEqual(String(decoding: parts[0].1, as: UTF8.self), "résumé.txt")
            XCTAssertEqual(parts[1].0.name, "fileToUpload")
            XCTAssertEqual(parts[1].0.filename, "a \"q\".bin")
            XCTAssertEqual(parts[1].1, payload, "chunk size \(chunkSize)")
        }
    }

    func testMultipartParserRejectsATruncatedBody() throws {
        var parser = MultipartParser(boundary: "b")
        _ = try parser.feed(Array("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nabc".utf8))
        XCTAssertThrowsError(try parser.finish())
        XCTAssertEqual(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=\"q r\""), "q r")
        XCTAssertNil(MultipartParser.boundary(fromContentType: "application/json"))
    }
}
