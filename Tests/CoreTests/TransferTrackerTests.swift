import Foundation
import Logging
import SciencefsCore
import SciencefsStore
import XCTest

/// A transfer service whose jobs advance one state per status call (SUBMITTED → ACTIVE → FINISHED, or FAILED for
/// files whose source contains "bad"), for the tracker's journal logic. The FTS3 client and server are tested over
/// HTTPS elsewhere.
private final class SteppingTransferService: TransferService, @unchecked Sendable {
    let name = "fts3"
    private let lock = NSLock()
    private var jobs: [String: (files: [TransferFile], step: Int, cancelled: Bool)] = [:]
    private(set) var submitted: [[TransferFile]] = []

    func submit(_ files: [TransferFile], options: TransferOptions) throws -> String {
        lock.withLock {
            let id = "job-\(jobs.count + 1)"
            jobs[id] = (files, 0, false)
            submitted.append(files)
            return id
        }
    }

    func status(of jobID: String) throws -> TransferJobStatus {
        try lock.withLock {
            guard var job = jobs[jobID] else { throw FSError.notFound }
            job.step += 1
            jobs[jobID] = job
            let fails = job.files.contains { $0.source.contains("bad") }
            let state: TransferJobState = job.cancelled ? .canceled : job.step == 1 ? .active : (fails ? .failed : .finished)
            let files = job.files.map { file in
                TransferFileStatus(source: file.source, destination: file.destination,
                                   state: state == .active ? "ACTIVE" : state.rawValue,
                                   reason: state == .failed ? "checksum mismatch" : nil, size: file.size,
                                   transferred: state == .finished ? (file.size ?? 0) : (file.size ?? 0) / 2)
            }
            return TransferJobStatus(jobID: jobID, state: state, reason: state == .failed ? "One or more files failed" : nil,
                                     files: files)
        }
    }

    func cancel(_ jobID: String) throws {
        lock.withLock { jobs[jobID]?.cancelled = true }
    }
}

final class TransferTrackerTests: XCTestCase {
    private var directory: URL!
    static let fast = PollPolicy(firstInterval: 0.01, maxInterval: 0.01)

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tracker-\(UUID().uuidString)")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func file(_ name: String, size: UInt64 = 100) -> TrackedTransferFile {
        TrackedTransferFile(sourcePath: "rucio/s/\(name)", destinationPath: "agave/systems/x/\(name)",
                            sourceURL: "https://storage/\(name)", destinationURL: "davs://door/\(name)", size: size,
                            adler32: "0000abcd")
    }

    func testAJobIsJournaledFollowedToItsEndAndAppliedOnce() throws {
        let service = SteppingTransferService()
        let tracker = TransferTracker(service: service, store: try MetadataStore(directory: directory), policy: Self.fast,
                                      logger: Logger(label: "test"))
        let id = try tracker.submit([file("a"), file("b", size: 300)], options: TransferOptions(), origin: "mount")
        XCTAssertEqual(service.submitted.first?.map(\.adler32), ["0000abcd", "0000abcd"])
        XCTAssertEqual(service.submitted.first?.first?.metadata["sciencefs_destination"], "agave/systems/x/a")
        XCTAssertEqual(tracker.job(writing: "agave/systems/x/b")?.jobID, id)

        var seen: [TransferJobState] = []
        let job = try tracker.wait(for: id, progress: { seen.append($0.state) })
        XCTAssertEqual(seen, [.active, .finished])
        XCTAssertEqual(job.bytesTransferred, 400)
        XCTAssertEqual(job.filesFinished, 2)
        XCTAssertEqual(tracker.job(writing: "agave/systems/x/a")?.state, .finished)

        var ended: [String] = []
        tracker.monitorOnce { ended.append($0.jobID) }
        tracker.monitorOnce { ended.append($0.jobID) }
        XCTAssertEqual(ended, [id], "an ended job is applied exactly once")
        XCTAssertEqual(tracker.jobs().first?.state, .finished)
    }

    func testARestartedTrackerFollowsTheJobsAPreviousRunLeftRunning() throws {
        let service = SteppingTransferService()
        let first = TransferTracker(service: service, store: try MetadataStore(directory: directory), policy: Self.fast,
                                    logger: Logger(label: "test"))
        let id = try first.submit([file("bad.bin")], options: TransferOptions(), origin: "cli")
        // The process dies here. A new one opens the same journal:
        let second = TransferTracker(service: service, store: try MetadataStore(directory: directory), policy: Self.fast,
                                     logger: Logger(label: "test"))
        XCTAssertEqual(second.job(writing: "agave/systems/x/bad.bin")?.jobID, id, "known from the journal")
        var ended: [TrackedJob] = []
        second.monitorOnce { ended.append($0) } // ACTIVE
        XCTAssertEqual(ended, [])
        second.monitorOnce { ended.append($0) } // FAILED
        XCTAssertEqual(ended.map(\.state), [.failed])
        XCTAssertEqual(ended.first?.failureSummary, "rucio/s/bad.bin: checksum mismatch")
        XCTAssertEqual(ended.first?.origin, "cli")
    }

    func testCancelIsAskedOnceAndTheJobEndsCanceled() throws {
        let service = SteppingTransferService()
        let tracker = TransferTracker(service: service, store: try MetadataStore(directory: directory), policy: Self.fast,
                                      logger: Logger(label: "test"))
        let id = try tracker.submit([file("a")], options: TransferOptions(), origin: "cli")
        let job = try tracker.wait(for: id, shouldCancel: { true })
        XCTAssertEqual(job.state, .canceled)
    }

    /// A backend's job (here a tape request of an in-memory service) in the same journal as FTS3's: after a restart
    /// (a new tracker on the same SQLite file) it is still listed, followed to its end, announced to its service and
    /// applied once.
    func testABackendsJobSurvivesARestartAndIsFollowedToItsEnd() throws {
        let fts = SteppingTransferService()
        let first = TransferTracker(service: fts, store: try MetadataStore(directory: directory), policy: Self.fast,
                                    logger: Logger(label: "test"))
        let tape = MemoryJobs(name: "tape")
        try first.register(tape)
        tape.set("GET-7", .active, stage: "GET_PENDING")
        let asked = Date(timeIntervalSince1970: 1_800_000_000)
        first.jobs(of: "tape").track("GET-7", files: [TrackedTransferFile(
            sourcePath: "tape/ws/batch", destinationPath: "tape/ws/batch", sourceURL: "tape:7", destinationURL: "/staging/7",
            size: 10, adler32: nil)], submittedAt: asked)
        first.monitorOnce { _ in XCTFail("still running") }
        // The process dies here. A new one opens the same journal and registers the same service again:
        let second = TransferTracker(service: fts, store: try MetadataStore(directory: directory), policy: Self.fast,
                                     logger: Logger(label: "test"))
        let restarted = MemoryJobs(name: "tape")
        restarted.set("GET-7", .active, stage: "GET_RESTORE") // the server still has it, further on
        try second.register(restarted)
        XCTAssertEqual(second.jobs().map(\.jobID), ["GET-7"], "listed from the journal")
        XCTAssertEqual(second.jobs().first?.kind, "tape-get")
        XCTAssertEqual(second.jobs().first?.created, asked, "dated when it was asked for")
        XCTAssertEqual(second.job(writing: "tape/ws/batch")?.jobID, "GET-7")
        var ended: [TrackedJob] = []
        second.monitorOnce { ended.append($0) }
        XCTAssertEqual(ended, [])
        restarted.set("GET-7", .finished, stage: "GET_COMPLETED")
        second.monitorOnce { ended.append($0) }
        second.monitorOnce { ended.append($0) }
        XCTAssertEqual(ended.map(\.state), [.finished], "applied once")
        XCTAssertEqual(ended.first?.files.first?.state, "GET_COMPLETED")
        XCTAssertEqual(restarted.ended, ["GET-7"], "its service heard of the end once")
    }

    /// A job its service does not know (404) is given up at once: LOST, with the reason, and its service is told.
    func testAJobTheServiceDoesNotKnowIsGivenUpAtOnce() throws {
        let tracker = TransferTracker(store: try MetadataStore(directory: directory), policy: Self.fast,
                                      logger: Logger(label: "test"))
        let tape = MemoryJobs(name: "tape")
        try tracker.register(tape)
        let jobs = tracker.jobs(of: "tape")
        jobs.track("GET-9", files: [])
        let job = try jobs.wait(for: "GET-9")
        XCTAssertEqual(job.state, .lost)
        XCTAssertTrue(job.reason?.contains("does not know this job") ?? false, job.reason ?? "")
        XCTAssertEqual(tape.polls, 1, "one answer was enough")
        XCTAssertEqual(tape.ended, ["GET-9"])
    }

    func testTwoServicesOfOneNameAreRefused() throws {
        let tracker = TransferTracker(store: try MetadataStore(directory: directory), logger: Logger(label: "test"))
        try tracker.register(MemoryJobs(name: "tape"))
        XCTAssertThrowsError(try tracker.register(MemoryJobs(name: "tape")))
        XCTAssertThrowsError(try tracker.jobs(of: "other").register(MemoryJobs(name: "tape")),
                             "a source registers only its own jobs")
    }

    func testPlannerNeedsATransferURLOnBothSidesAndPadsAdler32() throws {
        let source = InMemoryBackend(name: "rucio")
        let target = InMemoryBackend(name: "agave")
        let attributes = RemoteAttributes(kind: .file, size: 10, mtime: Date(), permissions: 0o644)
        XCTAssertNil(try TransferPlanner.plan(source: source, sourcePath: RemotePath(["f"]), attributes: attributes,
                                              destination: target, destinationPath: RemotePath(["g"])))
        source.transferBase = "https://storage"
        target.transferBase = "davs://door"
        source.publishedChecksums["/f"] = [.md5("x"), .adler32("abcd")]
        let planned = try XCTUnwrap(TransferPlanner.plan(source: source, sourcePath: RemotePath(["f"]), attributes: attributes,
                                                         destination: target, destinationPath: RemotePath(["d", "g"])))
        XCTAssertEqual(planned.sourceURL, "https://storage/f")
        XCTAssertEqual(planned.destinationURL, "davs://door/d/g")
        XCTAssertEqual(planned.adler32, "0000abcd")
        XCTAssertEqual(planned.sourcePath, "rucio/f")
        XCTAssertEqual(planned.destinationPath, "agave/d/g")
        XCTAssertEqual(planned.size, 10)
    }
}
