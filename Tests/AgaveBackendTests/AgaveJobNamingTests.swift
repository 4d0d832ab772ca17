import BackendKit
@testable import AgaveBackend
import SciencefsCore
import XCTest

/// Pure tests of how jobs become paths: directory names, the ids hidden in them, and the `jobs/` layout.
final class AgaveJobNamingTests: XCTestCase {
    private let id = "6d1c9bd6-8f8a-4d7e-a4b5-0123456789ab-007"

    func testDirectoryNameIsNameDashIdWithSlashNulAndLeadingDotReplaced() {
        XCTAssertEqual(AgaveJobNaming.directoryName(name: "run 1", id: id), "run 1-\(id)")
        XCTAssertEqual(AgaveJobNaming.directoryName(name: "a/b\0c", id: id), "a_b_c-\(id)")
        XCTAssertEqual(AgaveJobNaming.directoryName(name: ".hidden", id: id), "_hidden-\(id)")
        XCTAssertEqual(AgaveJobNaming.directoryName(name: "", id: id), "job-\(id)")
        XCTAssertEqual(AgaveJobNaming.directoryName(name: nil, id: id), "job-\(id)")
    }

    func testLongNamesAreShortenedToFit255BytesKeepingTheWholeId() {
        let name = AgaveJobNaming.directoryName(name: String(repeating: "é", count: 300), id: id)
        XCTAssertLessThanOrEqual(name.utf8.count, 255)
        XCTAssertTrue(name.hasSuffix("-" + id))
        XCTAssertTrue(name.hasPrefix("éé"))
    }

    func testCandidateIdsPutTheAgaveShapeFirst() {
        let candidates = AgaveJobNaming.candidateIDs(in: "my-run-2-\(id)")
        XCTAssertEqual(candidates.first, id)
        XCTAssertTrue(candidates.contains("run-2-\(id)"))
        XCTAssertLessThanOrEqual(candidates.count, AgaveJobNaming.maxCandidates)
        XCTAssertEqual(AgaveJobNaming.candidateIDs(in: "plain-1234"), ["1234"])
        XCTAssertEqual(AgaveJobNaming.candidateIDs(in: "nodash"), [])
    }

    func testLayoutParsesFiltersJobsAndItems() throws {
        // The layout is BackendKit's, shared with Tapis; `.status/` takes Agave's job states.
        func layout(_ components: [String]) throws -> JobTreeLocation {
            try JobTreeLocation(components, isKnownStatus: AgaveJobStatus.isKnown)
        }
        XCTAssertEqual(try layout([]), .jobList(filter: nil))
        XCTAssertEqual(try layout([".status"]), .statusFilters)
        XCTAssertEqual(try layout([".status", "FINISHED"]), .jobList(filter: .status("FINISHED")))
        XCTAssertEqual(try layout([".app", "sim-1.0"]), .jobList(filter: .app("sim-1.0")))
        XCTAssertEqual(try layout([".status", "RUNNING", "x-1", "outputs", "a"]),
                       .job(directory: "x-1", path: ["outputs", "a"]))
        XCTAssertEqual(try layout(["x-1", "job.json"]), .job(directory: "x-1", path: ["job.json"]))
        XCTAssertThrowsError(try layout([".status", "finished"]))
        XCTAssertEqual(try JobItem(["outputs", "a", "b"]), .outputs(["a", "b"]))
        XCTAssertThrowsError(try JobItem(["other"]))
        XCTAssertThrowsError(try JobItem(["job.json", "x"]))
    }

    func testOutputRowTellsItselfFromAChild() throws {
        func row(_ name: String, _ path: String, _ type: String) throws -> AgaveJobOutputRecord {
            try JSONDecoder().decode(AgaveJobOutputRecord.self, from: Data(
                #"{"name":"\#(name)","path":"\#(path)","type":"\#(type)","permission":"READ"}"#.utf8))
        }
        // A folder `x` whose only child is also called `x`: the row is a child, so `x` is a directory.
        XCTAssertFalse(try row("x", "/x/x", "file").isItself(requested: ["x"]))
        XCTAssertTrue(try row("x", "/x/x", "file").isItself(requested: ["x", "x"]))
        XCTAssertTrue(try row("b.csv", "/archive/jobs/job-1/a/b.csv", "file").isItself(requested: ["a", "b.csv"]))
    }
}
