import AgaveEmulator
import Foundation
import XCTest

/// Agave jobs on a real mount, read by unmodified tools: grep, wc, sort, python's csv module, tar, ls -t,
/// getfattr, and the `.status` filter directory.
final class AgaveJobsMountTests: XCTestCase {
    private var fixture: MountFixture!
    private var finishedID = ""
    private var olderID = ""
    private var runningID = ""
    private let app = AgaveJobsDemoData.appId
    private let system = AgaveJobsDemoData.executionSystem

    override func setUpWithError() throws {
        fixture = try MountFixture()
        let now = Date()
        let emulator = fixture.emulator
        olderID = try emulator.addJob(name: "calibration-old", appId: "fastqc-0.11", executionSystem: system,
                                      outputs: ["log.txt": Data("old\n".utf8)], created: now.addingTimeInterval(-3 * 3600))
        finishedID = try emulator.addJob(name: "calibration", appId: app, executionSystem: system,
                                         outputs: AgaveJobsDemoData.finishedOutputs, created: now.addingTimeInterval(-3600))
        runningID = try emulator.addJob(name: "forecast", appId: app, executionSystem: system, status: "RUNNING",
                                        outputs: ["progress.log": Data("step 1\n".utf8)],
                                        created: now.addingTimeInterval(-600))
        try fixture.mount()
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    private var jobs: String { fixture.mountpoint.appendingPathComponent("agave/jobs").path }
    private var finishedDirectory: String { "\(jobs)/calibration-\(finishedID)" }
    private var mountedOutputs: String { "\(finishedDirectory)/outputs" }
    private var serverOutputs: String { fixture.emulator.jobOutputURL(jobID: finishedID).path }

    /// Runs the same shell command over the mounted and the server's outputs (`$D` is the directory) and
    /// asserts that both succeed with the same output.
    private func assertSameOutput(_ script: String, file: StaticString = #filePath, line: UInt = #line) {
        let mounted = fixture.run("bash", ["-c", "cd \"$0\" && \(script)", mountedOutputs])
        let server = fixture.run("bash", ["-c", "cd \"$0\" && \(script)", serverOutputs])
        XCTAssertEqual(mounted.status, 0, "\(script): \(mounted.stderr)", file: file, line: line)
        XCTAssertEqual(server.status, 0, "\(script): \(server.stderr)", file: file, line: line)
        XCTAssertFalse(server.stdout.isEmpty, "\(script) printed nothing", file: file, line: line)
        XCTAssertEqual(mounted.text, server.text, script, file: file, line: line)
    }

    func testGrepWcSortPythonCsvAndTarReadFinishedOutputsLikeTheServerFiles() throws {
        assertSameOutput("grep -rn south . | sort")
        assertSameOutput("grep -c iteration ocean-model.out")
        assertSameOutput("wc -l results/temperature.csv results/summary.csv ocean-model.out")
        assertSameOutput("wc -c results/temperature.csv")
        assertSameOutput("sort -t, -k3,3n -k1,1 -k2,2n results/temperature.csv")
        assertSameOutput("""
            python3 -c 'import csv, collections
            totals = collections.defaultdict(float)
            with open("results/temperature.csv", newline="") as f:
                for row in csv.DictReader(f):
                    totals[row["station"]] += float(row["temperature_c"])
            print(sorted(totals.items()))'
            """)
        assertSameOutput("find . | sort")

        // tar the mounted outputs, unpack elsewhere, and compare the tree byte for byte with the server's files.
        let unpacked = fixture.root.appendingPathComponent("untarred")
        try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
        let tar = fixture.shell("tar -c -C '\(mountedOutputs)' . | tar -x -C '\(unpacked.path)'")
        XCTAssertEqual(tar.status, 0, tar.stderr)
        let diff = fixture.run("diff", ["-r", unpacked.path, serverOutputs])
        XCTAssertEqual(diff.status, 0, diff.text + diff.stderr)
        fixture.run("chmod", ["-R", "u+w", unpacked.path]) // the mode bits came from a read-only tree
    }

    func testLsTShowsNewestJobFirstAndGetfattrShowsTheJob() throws {
        let listed = fixture.run("ls", ["-t", jobs])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertEqual(listed.lines, ["forecast-\(runningID)", "calibration-\(finishedID)", "calibration-old-\(olderID)"])

        let xattrs = fixture.run("getfattr", ["-d", finishedDirectory])
        XCTAssertEqual(xattrs.status, 0, xattrs.stderr)
        XCTAssertTrue(xattrs.text.contains("user.agave.job.status=\"FINISHED\""), xattrs.text)
        XCTAssertTrue(xattrs.text.contains("user.agave.job.app=\"\(app)\""), xattrs.text)
        XCTAssertTrue(xattrs.text.contains("user.agave.job.system=\"\(system)\""), xattrs.text)
        let onFile = fixture.run("getfattr", ["-n", "user.agave.job.status", "--only-values",
                                              "\(jobs)/forecast-\(runningID)/outputs/progress.log"])
        XCTAssertEqual(onFile.text, "RUNNING")

        // job.json: its size in stat is the size of what cat reads, and it is valid JSON naming the job.
        let record = "\(finishedDirectory)/job.json"
        let size = fixture.run("stat", ["-c", "%s", record]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        let counted = fixture.shell("cat '\(record)' | wc -c").text.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(size, counted)
        let id = fixture.run("python3", ["-c", "import json,sys; print(json.load(open(sys.argv[1]))['id'])", record])
        XCTAssertEqual(id.text, "\(finishedID)\n", id.stderr)
        let history = fixture.run("python3", ["-c", "import json,sys; print(json.load(open(sys.argv[1]))[-1]['status'])",
                                              "\(finishedDirectory)/history.json"])
        XCTAssertEqual(history.text, "FINISHED\n", history.stderr)

        // Read-only: nothing can be created or removed inside a job.
        XCTAssertNotEqual(fixture.run("touch", ["\(mountedOutputs)/new.txt"]).status, 0)
        XCTAssertNotEqual(fixture.run("rm", ["-f", "\(mountedOutputs)/ocean-model.err"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(serverOutputs)/ocean-model.err"))
    }

    func testAnAppDirectoryIsFoundRightAfterListingTheEmptyAppDirectory() throws {
        let apps = fixture.run("ls", ["\(jobs)/.app/"])
        XCTAssertEqual(apps.status, 0, apps.stderr)
        XCTAssertEqual(apps.lines, [], "the app ids are not listed")
        let byApp = fixture.run("ls", ["\(jobs)/.app/\(app)/"])
        XCTAssertEqual(byApp.status, 0, "reachable by name even though .app/ listed nothing: \(byApp.stderr)")
        XCTAssertEqual(byApp.lines, ["calibration-\(finishedID)", "forecast-\(runningID)"])
    }

    func testStatusFilterDirectoryListsOnlyMatchingJobsThroughTheSearchAPI() throws {
        // `jobs/` listed first: the filter directories must still be found within the listing's TTL.
        XCTAssertEqual(fixture.run("ls", [jobs]).lines.count, 3)
        fixture.emulator.requestLog.clear()
        let finished = fixture.run("ls", ["\(jobs)/.status/FINISHED/"])
        XCTAssertEqual(finished.status, 0, finished.stderr)
        XCTAssertEqual(finished.lines, ["calibration-\(finishedID)", "calibration-old-\(olderID)"])
        XCTAssertEqual(fixture.run("ls", ["\(jobs)/.status/RUNNING/"]).lines, ["forecast-\(runningID)"])
        XCTAssertEqual(fixture.run("ls", ["\(jobs)/.app/\(app)/"]).lines,
                       ["calibration-\(finishedID)", "forecast-\(runningID)"])
        let lists = fixture.emulator.requestLog.entries(pathPrefix: "/jobs/v2").filter { $0.path == "/jobs/v2/" }
        XCTAssertFalse(lists.isEmpty)
        XCTAssertTrue(lists.allSatisfy { ($0.query ?? "").contains("status=") || ($0.query ?? "").contains("appId=") },
                      "\(lists.map(\.query))")

        let statuses = fixture.run("ls", ["\(jobs)/.status/"])
        XCTAssertTrue(statuses.lines.contains("FINISHED") && statuses.lines.contains("RUNNING"), statuses.text)
        // The filter directories are dot-directories: `ls` shows only jobs, `ls -a` shows them too.
        XCTAssertFalse(fixture.run("ls", [jobs]).lines.contains(".status"))
        XCTAssertTrue(fixture.run("ls", ["-a", jobs]).lines.contains(".status"))
        XCTAssertEqual(fixture.run("cat", ["\(jobs)/.status/FINISHED/calibration-\(finishedID)/outputs/results/summary.csv"]).stdout,
                       AgaveJobsDemoData.finishedOutputs["results/summary.csv"])
    }
}
