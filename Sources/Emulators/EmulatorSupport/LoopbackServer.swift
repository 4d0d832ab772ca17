import Dispatch
import Foundation
import Hummingbird
import Logging

/// One Hummingbird listener on 127.0.0.1, started and stopped synchronously, so emulators can offer a blocking
/// `start()`/`stop()` API to tests and the CLI while Hummingbird runs on its own task.
///
/// `start`/`stop` block the caller briefly and must not be called concurrently with each other.
package final class LoopbackServer<Responder: HTTPResponder>: @unchecked Sendable
    where Responder.Context == BasicRequestContext {
    package enum StartError: Error, CustomStringConvertible {
        case couldNotStart(String)

        package var description: String {
            switch self {
            case .couldNotStart(let why): return "could not start listener: \(why)"
            }
        }
    }

    private let responder: Responder
    private let logger: Logger
    private let lock = NSLock()
    private var running: (task: Task<Void, Never>, stopped: DispatchSemaphore, port: Int)?

    package init(responder: Responder, logger: Logger) {
        self.responder = responder
        self.logger = logger
    }

    /// The bound port while running.
    package var port: Int? { lock.withLock { running?.port } }

    /// Starts listening on 127.0.0.1 (`port` 0 picks a free one) and returns the bound port once the listener is
    /// up (waits at most 30 s). Calling it while running returns the current port.
    package func start(port: Int = 0) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        if let running { return running.port }

        let started = DispatchSemaphore(value: 0)
        let stopped = DispatchSemaphore(value: 0)
        let boundPort = LockedValue<Int?>(nil)
        let failure = LockedValue<Error?>(nil)
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: nil),
            onServerRunning: { channel in
                boundPort.set(channel.localAddress?.port)
                started.signal()
            },
            logger: logger
        )
        let task = Task {
            do {
                // Cancelling this task shuts the server down (Hummingbird's service group treats cancellation
                // as a graceful-shutdown trigger).
                try await app.run()
            } catch {
                failure.set(error)
            }
            started.signal()
            stopped.signal()
        }
        guard started.wait(timeout: .now() + 30) == .success, let bound = boundPort.get() else {
            task.cancel()
            throw StartError.couldNotStart(failure.get().map { "\($0)" } ?? "timed out")
        }
        running = (task, stopped, bound)
        return bound
    }

    /// Stops the listener and waits (up to 10 s) until it has closed. Idempotent. Returns false on timeout.
    @discardableResult
    package func stop() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let running else { return true }
        self.running = nil
        running.task.cancel()
        return running.stopped.wait(timeout: .now() + 10) == .success
    }
}
