import Foundation
import SciencefsCore

/// One GET request for one batch, shared by every reader of that batch.
final class Retrieval {
    enum Outcome: Equatable {
        case staged
        case failed(FSError)
    }

    let batchID: Int
    var requestID: Int?
    /// The request's stage when it was submitted or adopted.
    var stage: Int?
    /// nil while the request is being submitted or is in flight.
    var outcome: Outcome?
    var finishedAt: Date?

    init(batchID: Int) { self.batchID = batchID }
}

/// Makes sure at most one GET request is in flight per batch, and lets any number of readers wait for it.
///
/// The first reader of a batch that is not staged yet submits the request (outside the lock), the Core's job
/// tracker follows it and reports its end, and every reader waits on one condition variable until the retrieval reaches an outcome or the
/// reader's deadline passes. A completed retrieval is remembered by a marker file next to the staged batch, so
/// a restarted daemon serves the staged files without a new request. A failure is reported to every reader for
/// `failureMemory` seconds; the next read after that submits a new request.
final class RetrievalCoordinator: @unchecked Sendable {
    private let condition = NSCondition()
    private var retrievals: [Int: Retrieval] = [:]
    let getRoot: URL
    private let failureMemory: TimeInterval

    init(getRoot: URL, failureMemory: TimeInterval) {
        self.getRoot = getRoot
        self.failureMemory = failureMemory
    }

    /// `<staging>/get/<batch id>/`, where JDMA writes the batch's files.
    func targetDirectory(batchID: Int) -> URL { getRoot.appendingPathComponent(String(batchID), isDirectory: true) }

    private func completionMarker(batchID: Int) -> URL { getRoot.appendingPathComponent("\(batchID).retrieved") }

    /// The current retrieval of a batch (for xattrs/transfers), if any.
    func retrieval(batchID: Int) -> (requestID: Int?, stage: Int?, staged: Bool)? {
        condition.lock()
        defer { condition.unlock() }
        guard let r = retrievals[batchID] else { return nil }
        return (r.requestID, r.stage, r.outcome == .staged)
    }

    /// Returns once the batch is staged. Submits the GET through `submit` when no retrieval is in flight;
    /// `startPolling` is then called (outside the lock) with the new request id. With `nonBlocking`, throws
    /// `.wouldBlock` instead of waiting; after `timeout` seconds of waiting, `.timedOut`.
    func awaitStaged(batchID: Int, timeout: TimeInterval, nonBlocking: Bool,
                     submit: (URL) throws -> JDMARequestRecord, startPolling: (Int) -> Void) throws {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        var retrieval: Retrieval
        if let existing = retrievals[batchID], !isStale(existing) {
            retrieval = existing
        } else if FileManager.default.fileExists(atPath: completionMarker(batchID: batchID).path) {
            let staged = Retrieval(batchID: batchID)
            staged.outcome = .staged
            retrievals[batchID] = staged
            condition.unlock()
            return
        } else {
            retrieval = Retrieval(batchID: batchID)
            retrievals[batchID] = retrieval
            condition.unlock()
            let record: JDMARequestRecord
            do {
                record = try submit(targetDirectory(batchID: batchID))
            } catch {
                condition.lock()
                // A refused submission is not remembered: the next read asks again.
                retrievals[batchID] = nil
                retrieval.outcome = .failed(FSError.from(error))
                condition.broadcast()
                condition.unlock()
                throw error
            }
            condition.lock()
            retrieval.requestID = record.id
            retrieval.stage = record.stage
            condition.unlock()
            startPolling(record.id)
            condition.lock()
        }
        defer { condition.unlock() }
        while true {
            switch retrieval.outcome {
            case .staged?: return
            case .failed(let error)?: throw error
            case nil: break
            }
            if nonBlocking { throw FSError.wouldBlock }
            if !condition.wait(until: deadline) {
                if retrieval.outcome != nil { continue }
                throw FSError.timedOut
            }
        }
    }

    /// A failure older than `failureMemory` no longer blocks a new attempt.
    private func isStale(_ retrieval: Retrieval) -> Bool {
        guard case .failed? = retrieval.outcome, let finished = retrieval.finishedAt else { return false }
        return Date().timeIntervalSince(finished) > failureMemory
    }

    /// The tracker's report that a GET ended: wakes every reader of the batch. A completed GET is remembered by the
    /// marker even when no reader waits (it ended after a restart), so the next read is served without a request.
    /// A GET still being adopted by a reader (request id not known yet) takes a completion.
    func finish(batchID: Int, requestID: Int, outcome: Retrieval.Outcome) {
        condition.lock()
        defer { condition.unlock() }
        if outcome == .staged {
            _ = FileManager.default.createFile(atPath: completionMarker(batchID: batchID).path, contents: Data(String(requestID).utf8))
        }
        guard let r = retrievals[batchID], r.outcome == nil,
              r.requestID == requestID || (r.requestID == nil && outcome == .staged) else { return }
        r.outcome = outcome
        r.finishedAt = Date()
        condition.broadcast()
    }

    /// Forgets a batch's staged copy (after it was deleted or relabelled on the server).
    func forget(batchID: Int) {
        condition.lock()
        retrievals[batchID] = nil
        condition.unlock()
        try? FileManager.default.removeItem(at: completionMarker(batchID: batchID))
    }
}
