import Foundation
import XCTest
@testable import JDMABackend
import SciencefsCore

/// The one-GET-per-batch coordinator and the durable PUT manifest, without a server.
final class RetrievalAndManifestTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("jdma-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func requestRecord(id: Int) throws -> JDMARequestRecord {
        try JSONDecoder().decode(JDMARequestRecord.self, from: Data(#"{"request_id":\#(id),"stage":100,"batch_id":7}"#.utf8))
    }

    /// Counts submissions across threads.
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() { lock.lock(); value += 1; lock.unlock() }
        var count: Int { lock.lock(); defer { lock.unlock() }; return value }
    }

    func testConcurrentReadersShareOneRequestAndWakeTogether() throws {
        let coordinator = RetrievalCoordinator(getRoot: directory, failureMemory: 30)
        let submissions = Counter()
        let polling = expectation(description: "polling started once")
        let record = try requestRecord(id: 41)
        let group = DispatchGroup()
        let results = LockedResults()
        for _ in 0..<4 {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                do {
                    try coordinator.awaitStaged(batchID: 7, timeout: 10, nonBlocking: false, submit: { target in
                        XCTAssertEqual(target.lastPathComponent, "7")
                        submissions.increment()
                        Thread.sleep(forTimeInterval: 0.1) // the POST takes a while; others must not post too
                        return record
                    }, startPolling: { id in
                        XCTAssertEqual(id, 41)
                        polling.fulfill()
                    })
                    results.append("ok")
                } catch {
                    results.append("\(error)")
                }
            }
        }
        wait(for: [polling], timeout: 5)
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertEqual(results.all, [], "nobody may return before the GET completes")
        XCTAssertEqual(coordinator.retrieval(batchID: 7)?.requestID, 41)
        coordinator.finish(batchID: 7, requestID: 41, outcome: .staged)
        XCTAssertEqual(group.wait(timeout: .now() + 5), .success)
        XCTAssertEqual(results.all, ["ok", "ok", "ok", "ok"])
        XCTAssertEqual(submissions.count, 1)

        // A new coordinator (a restarted daemon) finds the completion marker and submits nothing.
        let restarted = RetrievalCoordinator(getRoot: directory, failureMemory: 30)
        try restarted.awaitStaged(batchID: 7, timeout: 1, nonBlocking: true,
                                  submit: { _ in XCTFail("no second GET"); return record }, startPolling: { _ in })
    }

    /// A GET the job tracker followed to its end after a restart, with no reader waiting: the next read is served
    /// from the staged copy without a new request.
    func testAGetThatEndsWithNoReaderWaitingIsRemembered() throws {
        let coordinator = RetrievalCoordinator(getRoot: directory, failureMemory: 30)
        coordinator.finish(batchID: 12, requestID: 77, outcome: .staged)
        let record = try requestRecord(id: 78)
        try coordinator.awaitStaged(batchID: 12, timeout: 1, nonBlocking: true,
                                    submit: { _ in XCTFail("no second GET"); return record }, startPolling: { _ in })
        XCTAssertEqual(coordinator.retrieval(batchID: 12)?.staged, true)
    }

    func testNonBlockingTimeoutAndFailure() throws {
        let coordinator = RetrievalCoordinator(getRoot: directory, failureMemory: 30)
        let record = try requestRecord(id: 5)
        var submitted = 0
        XCTAssertThrowsError(try coordinator.awaitStaged(batchID: 9, timeout: 10, nonBlocking: true,
                                                         submit: { _ in submitted += 1; return record }, startPolling: { _ in })) {
            XCTAssertEqual($0 as? FSError, .wouldBlock)
        }
        XCTAssertEqual(submitted, 1, "O_NONBLOCK still starts the retrieval")
        XCTAssertThrowsError(try coordinator.awaitStaged(batchID: 9, timeout: 0.2, nonBlocking: false,
                                                         submit: { _ in submitted += 1; return record }, startPolling: { _ in })) {
            XCTAssertEqual($0 as? FSError, .timedOut)
        }
        XCTAssertEqual(submitted, 1, "waiting readers join the request in flight")
        coordinator.finish(batchID: 9, requestID: 5, outcome: .failed(.io("tape unreadable")))
        XCTAssertThrowsError(try coordinator.awaitStaged(batchID: 9, timeout: 1, nonBlocking: false,
                                                         submit: { _ in submitted += 1; return record }, startPolling: { _ in })) {
            XCTAssertEqual($0 as? FSError, .io("tape unreadable"))
        }
        XCTAssertEqual(submitted, 1, "a fresh failure is reported, not retried")
    }

    func testARefusedSubmissionIsNotRemembered() throws {
        let coordinator = RetrievalCoordinator(getRoot: directory, failureMemory: 30)
        XCTAssertThrowsError(try coordinator.awaitStaged(batchID: 3, timeout: 1, nonBlocking: false,
                                                         submit: { _ in throw FSError.quotaExceeded }, startPolling: { _ in }))
        XCTAssertNil(coordinator.retrieval(batchID: 3))
    }

    func testManifestSurvivesARestart() throws {
        let staging = try PutStaging(root: directory.appendingPathComponent("put"))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try staging.modify { manifest in
            manifest.batches.append(PendingBatch(workspace: "cmip", label: "new run", files: ["a.nc": 10, "sub/b.nc": 20],
                                                 directories: ["sub"], createdAt: now, lastChange: now))
        }
        let source = directory.appendingPathComponent("local.bin")
        try Data("hello".utf8).write(to: source)
        let destination = staging.fileURL(workspace: "cmip", label: "new run", relative: "sub/b.nc")
        try DurableFiles.copy(source, to: destination)
        XCTAssertEqual(try Data(contentsOf: destination), Data("hello".utf8))

        let reopened = try PutStaging(root: directory.appendingPathComponent("put"))
        XCTAssertEqual(reopened.batches, staging.batches)
        XCTAssertEqual(reopened.batches.first?.files["sub/b.nc"], 20)
        XCTAssertFalse(reopened.batches[0].isSubmitted)
        XCTAssertThrowsError(try reopened.modify { manifest in
            manifest.batches.removeAll()
            throw FSError.notEmpty
        })
        XCTAssertEqual(reopened.batches.count, 1, "a throwing change leaves the manifest as it was")
        XCTAssertTrue(reopened.beginSubmit("cmip/new run"))
        XCTAssertFalse(reopened.beginSubmit("cmip/new run"))
        reopened.endSubmit("cmip/new run")
        XCTAssertTrue(reopened.beginSubmit("cmip/new run"))
    }
}

/// Strings appended from several threads.
private final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String] = []
    func append(_ value: String) { lock.lock(); values.append(value); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return values }
}
