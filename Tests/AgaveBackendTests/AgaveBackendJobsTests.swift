@testable import AgaveBackend
import AgaveEmulator
import Foundation
import SciencefsCore
import XCTest

/// `jobs/` of the Agave backend against the emulator's job store over real HTTP.
final class AgaveBackendJobsTests: XCTestCase {
    private var fixture: EmulatorFixture!
    private let app = "ocean-model-2.1.0"
    private let system = "hpc.test"

    override func setUpWithError() throws {
        fixture = try EmulatorFixture(maxPageLimit: 2)
    }

    override func tearDown() {
        fixture?.tearDown()
        fixture = nil
    }

    private var jobRequests: [RequestLog.Entry] { fixture.emulator.requestLog.entries(pathPrefix: "/jobs/v2") }
    private var listRequests: [RequestLog.Entry] { jobRequests.filter { $0.path == "/jobs/v2/" } }

    private func directory(_ name: String, _ id: String) -> String { "\(name)-\(id)" }

    func testJobsListAllPagesAsNameDashIdDirectoriesWithEndTimeAsMtime() throws {
        let base = Date(timeIntervalSince1970: 1_700_000_000)
        var ids: [String] = []
        for index in 0..<5 {
            ids.append(try fixture.emulator.addJob(name: "run/\(index)", appId: app, executionSystem: system,
                                                   created: base.addingTimeInterval(Double(index) * 600)))
        }
        let backend = fixture.backend(pageSize: 2)
        fixture.emulator.requestLog.clear()
        let entries = try backend.list(RemotePath(["jobs"]))
        XCTAssertEqual(Set(entries.map(\.name)), Set(ids.enumerated().map { directory("run_\($0.offset)", $0.element) })
                       .union([".status", ".app"]))
        // 5 jobs, 2 per page: 3 pages and the empty page that ends the listing.
        XCTAssertEqual(listRequests.count, 4)
        // FINISHED jobs end 11 s after creation (one second per state).
        let first = try XCTUnwrap(entries.first { $0.name == directory("run_0", ids[0]) })
        XCTAssertEqual(first.attributes.kind, .directory)
        XCTAssertEqual(first.attributes.mtime.timeIntervalSince1970, base.timeIntervalSince1970 + 11, accuracy: 0.01)
        XCTAssertEqual(first.attributes.permissions, 0o555)
        XCTAssertEqual(try backend.list(.root).map(\.name), ["systems", "jobs"])
    }

    func testStatusAndAppFiltersUseTheSearchAPIOnly() throws {
        let finished = try fixture.emulator.addJob(name: "done", appId: app, executionSystem: system, status: "FINISHED")
        let running = try fixture.emulator.addJob(name: "busy", appId: app, executionSystem: system, status: "RUNNING")
        let other = try fixture.emulator.addJob(name: "other", appId: "fastqc-0.11", executionSystem: system, status: "FINISHED")
        let backend = fixture.backend(pageSize: 2)
        fixture.emulator.requestLog.clear()

        let done = try backend.list(RemotePath(["jobs", ".status", "FINISHED"])).map(\.name)
        XCTAssertEqual(Set(done), [directory("done", finished), directory("other", other)])
        XCTAssertEqual(try backend.list(RemotePath(["jobs", ".status", "RUNNING"])).map(\.name), [directory("busy", running)])
        XCTAssertEqual(Set(try backend.list(RemotePath(["jobs", ".app", app])).map(\.name)),
                       [directory("done", finished), directory("busy", running)])
        XCTAssertFalse(listRequests.isEmpty)
        for request in listRequests {
            let query = request.query ?? ""
            XCTAssertTrue(query.contains("status=") || query.contains("appId="), "unfiltered job listing: \(query)")
        }

        XCTAssertEqual(Set(try backend.list(RemotePath(["jobs", ".status"])).map(\.name)), Set(AgaveEmulator.jobStatuses))
        XCTAssertThrowsFSError(.notFound, try backend.stat(RemotePath(["jobs", ".status", "NOT_A_STATE"])))
        XCTAssertThrowsFSError(.notFound, try backend.stat(RemotePath(["jobs", ".app", "no-such-app"])))
        XCTAssertEqual(try backend.stat(RemotePath(["jobs", ".app", app])).kind, .directory)
        // A job found through a filter directory is the same job inside it.
        let viaFilter = RemotePath(["jobs", ".status", "RUNNING", directory("busy", running), "job.json"])
        XCTAssertGreaterThan(try backend.stat(viaFilter).size, 0)
    }

    func testOutputsListNestedFoldersAndReadRanges() throws {
        let table = Data((0..<2000).map { "row \($0),\($0 * 7)\n" }.joined().utf8)
        let id = try fixture.emulator.addJob(name: "sim", appId: app, executionSystem: system, outputs: [
            "results/table.csv": table, "results/deep/more/x.txt": Data("x\n".utf8), "sim.out": Data("ok\n".utf8),
            "a/b c#d.txt": Data("awkward\n".utf8),
        ])
        let backend = fixture.backend(pageSize: 2)
        let outputs = RemotePath(["jobs", directory("sim", id), "outputs"])
        XCTAssertEqual(try backend.list(RemotePath(["jobs", directory("sim", id)])).map(\.name),
                       ["job.json", "history.json", "outputs"])
        XCTAssertEqual(try backend.list(outputs).map(\.name), ["a", "results", "sim.out"])
        XCTAssertEqual(try backend.list(outputs.appending("results")).map(\.name), ["deep", "table.csv"])
        XCTAssertEqual(try backend.list(outputs.appending("results").appending("deep")).map(\.name), ["more"])
        XCTAssertEqual(try backend.stat(outputs.appending("results").appending("deep")).kind, .directory)
        XCTAssertThrowsFSError(.notDirectory, try backend.list(outputs.appending("sim.out")))

        let csv = outputs.appending("results").appending("table.csv")
        let attributes = try backend.stat(csv)
        XCTAssertEqual(attributes.kind, .file)
        XCTAssertEqual(attributes.size, UInt64(table.count))
        XCTAssertEqual(attributes.permissions & 0o222, 0)
        XCTAssertEqual(try backend.readData(csv, offset: 0, length: UInt64(table.count)), table)
        XCTAssertEqual(try backend.readData(csv, offset: 1000, length: 100), table[1000..<1100])
        // Past the end: Agave answers 416, the backend clamps.
        XCTAssertEqual(try backend.readData(csv, offset: UInt64(table.count) - 10, length: 4096), table.suffix(10))
        let ranged = fixture.emulator.requestLog.entries(pathPrefix: "/jobs/v2/\(id)/outputs/media/").compactMap(\.range)
        XCTAssertTrue(ranged.contains("bytes=1000-1099"), "\(ranged)")
        XCTAssertEqual(try backend.readData(outputs.appending("a").appending("b c#d.txt"), offset: 0, length: 100),
                       Data("awkward\n".utf8))
    }

    func testJobJsonAndHistoryJsonSizesMatchTheirBytes() throws {
        let id = try fixture.emulator.addJob(name: "sim", appId: app, executionSystem: system, status: "RUNNING")
        let backend = fixture.backend(pageSize: 2)
        let job = RemotePath(["jobs", directory("sim", id)])
        for file in ["job.json", "history.json"] {
            let size = try backend.stat(job.appending(file)).size
            let bytes = try backend.readData(job.appending(file), offset: 0, length: 1 << 20)
            XCTAssertEqual(UInt64(bytes.count), size, file)
            XCTAssertEqual(bytes.last, UInt8(ascii: "\n"))
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: bytes), file)
        }
        let record = try JSONSerialization.jsonObject(with: backend.readData(job.appending("job.json"), offset: 0, length: 1 << 20))
        XCTAssertEqual((record as? [String: Any])?["id"] as? String, id)
        XCTAssertEqual((record as? [String: Any])?["status"] as? String, "RUNNING")
        let history = try JSONSerialization.jsonObject(with: backend.readData(job.appending("history.json"), offset: 0, length: 1 << 20))
        let statuses = (history as? [[String: Any]])?.compactMap { $0["status"] as? String }
        // Eight events (PENDING … RUNNING) over pages of 2.
        XCTAssertEqual(statuses?.first, "PENDING")
        XCTAssertEqual(statuses?.last, "RUNNING")
        XCTAssertEqual(statuses?.count, 8)
    }

    func testAJobPathWorksBeforeAnyListingAndWritesAreRefused() throws {
        let id = try fixture.emulator.addJob(name: "my-run-2", appId: app, executionSystem: system,
                                             outputs: ["out.txt": Data("1\n".utf8)])
        let backend = fixture.backend()
        fixture.emulator.requestLog.clear()
        let job = RemotePath(["jobs", directory("my-run-2", id)])
        XCTAssertEqual(try backend.stat(job).kind, .directory)
        XCTAssertTrue(listRequests.isEmpty, "resolving a typed path must not list every job")
        XCTAssertEqual(jobRequests.filter { $0.path == "/jobs/v2/\(id)" }.count, 1)
        XCTAssertThrowsFSError(.notFound, try backend.stat(RemotePath(["jobs", "my-run-2-\(id)x"])))

        XCTAssertThrowsFSError(.readOnly, try backend.makeDirectory(job.appending("outputs").appending("new")))
        XCTAssertThrowsFSError(.readOnly, try backend.delete(job.appending("outputs").appending("out.txt"), kind: .file))
        XCTAssertThrowsFSError(.readOnly, try backend.rename(job.appending("outputs").appending("out.txt"),
                                                             to: job.appending("outputs").appending("y.txt")))
        let local = fixture.directory.appendingPathComponent("upload.txt")
        try Data("x".utf8).write(to: local)
        XCTAssertThrowsFSError(.readOnly, try backend.upload(from: local, to: job.appending("outputs").appending("u.txt")))
    }

    func testXattrsFollowTheJobAndCachingDependsOnItsState() throws {
        let id = try fixture.emulator.addJob(name: "sim", appId: app, executionSystem: system, status: "RUNNING",
                                             outputs: ["progress.log": Data("step 1\n".utf8)])
        var configuration = fixture.configuration()
        configuration.jobCaching = AgaveJobCaching(activeTTL: 0, finishedTTL: 3600)
        let backend = AgaveBackend(configuration: configuration, logger: fixture.logger)
        let job = RemotePath(["jobs", directory("sim", id)])
        let log = job.appending("outputs").appending("progress.log")
        let xattrs = try backend.extendedAttributes(of: log, attributes: try backend.stat(log))
        XCTAssertEqual(xattrs["user.agave.job.status"], "RUNNING")
        XCTAssertEqual(xattrs["user.agave.job.app"], app)
        XCTAssertEqual(xattrs["user.agave.job.system"], system)
        XCTAssertEqual(xattrs["user.agave.job.id"], id)
        XCTAssertEqual(backend.cachePolicy(for: log).listingTTL, 0)

        // A running job's outputs grow and its state moves on; both show without waiting for a long TTL.
        try fixture.emulator.appendOutput(jobID: id, path: "progress.log", data: Data("step 2\n".utf8))
        XCTAssertEqual(try backend.stat(log).size, 14)
        try fixture.emulator.advanceJob(id: id, to: "FINISHED")
        let after = try backend.extendedAttributes(of: job, attributes: try backend.stat(job))
        XCTAssertEqual(after["user.agave.job.status"], "FINISHED")
        XCTAssertEqual(backend.cachePolicy(for: log).listingTTL, 3600)
        XCTAssertEqual(backend.cachePolicy(for: RemotePath(["systems", "x"])), backend.cachePolicy)
        XCTAssertTrue(try backend.extendedAttributes(of: EmulatorFixture.path("x"),
                                                     attributes: .directory()).isEmpty)
    }

    func testTimelineJobsProgressByThemselves() throws {
        let id = try fixture.emulator.addJob(name: "timed", appId: app, executionSystem: system, status: "RUNNING",
                                             created: Date().addingTimeInterval(-7.5),
                                             timeline: .init(running: 1.0, archiving: 0.5, logInterval: 0.25))
        // RUNNING was reached at created + 7 s, i.e. about half a second ago.
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertEqual(fixture.emulator.jobStatus(id: id), "FINISHED")
        let log = try String(contentsOf: fixture.emulator.jobOutputURL(jobID: id, path: "progress.log"), encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").count, 4)
    }
}
