import Logging
import SciencefsCore

/// The one error wrapper every backend puts around a service call: the error is mapped to an FSError by the
/// service's mapping (which uses `ServiceErrors`), and an EIO or a timeout is logged once, here, naming the service,
/// the source, the operation and the path, with the reason.
public enum ServiceOperation {
    /// Runs `body`. `map` is the service's mapping; `noteworthy` may name one more mapped error worth a log line
    /// (JDMA's quota), returning its message and reason.
    public static func run<R>(service: String, source: String, operation: String, path: RemotePath, logger: Logger,
                              map: (Error) -> FSError,
                              noteworthy: (Error, FSError) -> (message: String, why: String)? = { _, _ in nil },
                              _ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch {
            let mapped = map(error)
            let metadata: Logger.Metadata = ["source": "\(source)", "op": "\(operation)", "path": "\(path)"]
            switch mapped {
            case .io(let why):
                logger.error("\(service) operation failed", metadata: metadata.merging(["why": "\(why)"]) { $1 })
            case .timedOut:
                logger.error("\(service) operation timed out", metadata: metadata)
            default:
                if let note = noteworthy(error, mapped) {
                    logger.error("\(note.message)", metadata: metadata.merging(["why": "\(note.why)"]) { $1 })
                }
            }
            throw mapped
        }
    }
}
