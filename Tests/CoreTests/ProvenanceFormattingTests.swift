import XCTest
@testable import SciencefsCore

/// The text of the provenance xattrs, and the memory of where reads came from.
final class ProvenanceFormattingTests: XCTestCase {
    func testCachedSaysBytesHeldOfTheSizeAndWhetherTheFileIsWhole() {
        XCTAssertEqual(VFS.cachedDescription(held: 1_048_576, size: 1_048_576, complete: true),
                       "1048576 of 1048576 bytes, complete")
        XCTAssertEqual(VFS.cachedDescription(held: 4096, size: 1_048_576, complete: false), "4096 of 1048576 bytes, partial")
        XCTAssertEqual(VFS.cachedDescription(held: 0, size: 10, complete: false), "0 of 10 bytes, not cached")
        XCTAssertEqual(VFS.cachedDescription(held: 0, size: 0, complete: true), "0 of 0 bytes, complete")
    }

    func testTheLastReportedOriginOfAFileWins() {
        let origins = ReadOrigins()
        let reporter = origins.reporter(for: "rucio")
        reporter.report(RemotePath(string: "/s/ds/f"), from: "https://a.example/f (RSE A)")
        reporter.report(RemotePath(string: "/s/ds/f"), from: "https://b.example/f (RSE B)")
        XCTAssertEqual(origins.origin(of: NodeKey(source: "rucio", path: RemotePath(string: "/s/ds/f"))),
                       "https://b.example/f (RSE B)")
        XCTAssertNil(origins.origin(of: NodeKey(source: "agave", path: RemotePath(string: "/s/ds/f"))),
                     "another source's file of the same path was never read")
    }

    func testPastItsCapacityTheOldestReportsAreForgotten() {
        let origins = ReadOrigins(capacity: 4)
        let reporter = origins.reporter(for: "s")
        for index in 0..<5 { reporter.report(RemotePath(string: "/f\(index)"), from: "origin \(index)") }
        XCTAssertNil(origins.origin(of: NodeKey(source: "s", path: RemotePath(string: "/f0"))))
        XCTAssertEqual(origins.origin(of: NodeKey(source: "s", path: RemotePath(string: "/f4"))), "origin 4")
    }
}
