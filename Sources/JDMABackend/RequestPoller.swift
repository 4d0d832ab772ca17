import Foundation
import Logging

/// Polls one JDMA request's stage with exponential backoff until it is final, on a background thread, and
/// reports each new stage. Transient failures are retried with the same backoff; a request the server no
/// longer knows (404) ends the poll as a failure.
struct RequestPoller: Sendable {
    let initialInterval: TimeInterval
    let maxInterval: TimeInterval
    let logger: Logger

    /// `fetch` reads the request; `onStage` gets every stage change; `onFinal` the last record or the error that
    /// ended polling. Returns at once.
    func start(requestID: Int, fetch: @escaping @Sendable () throws -> JDMARequestRecord,
               onStage: @escaping @Sendable (JDMARequestRecord) -> Void,
               onFinal: @escaping @Sendable (Result<JDMARequestRecord, Error>) -> Void) {
        let initial = initialInterval, maximum = maxInterval, logger = logger
        let thread = Thread {
            var interval = initial
            var lastStage: Int?
            var consecutiveErrors = 0
            while true {
                Thread.sleep(forTimeInterval: interval)
                interval = min(interval * 2, maximum)
                do {
                    let record = try fetch()
                    consecutiveErrors = 0
                    if record.stage != lastStage {
                        lastStage = record.stage
                        onStage(record)
                    }
                    if JDMAStages.Request(rawValue: record.stage)?.isFinal == true {
                        onFinal(.success(record))
                        return
                    }
                } catch {
                    consecutiveErrors += 1
                    let notFound = JDMAErrorMapping.fsError(error, operation: "poll", target: "request \(requestID)") == .notFound
                    logger.warning("JDMA request poll failed", metadata: ["request": "\(requestID)", "why": "\(error)"])
                    if notFound || consecutiveErrors >= 20 {
                        onFinal(.failure(error))
                        return
                    }
                }
            }
        }
        thread.name = "jdma-poll-\(requestID)"
        thread.start()
    }
}
