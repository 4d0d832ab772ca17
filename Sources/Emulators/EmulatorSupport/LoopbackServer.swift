import Dispatch
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// One Hummingbird listener on 127.0.0.1, started and stopped synchronously, so emulators can offer a blocking
/// `start()`/`stop()` API to tests and the CLI while Hummingbird runs on its own task.
///
/// `start`/`stop` block the caller briefly and must not be called concurrently with each other.
///
/// `stop()` asks for a graceful shutdown (the listener closes, idle connections close, a request in progress is
/// answered) instead of cancelling the server's task: Hummingbird logs a cancelled server as an error ("Waiting on
/// child channel: CancellationError()"), and a stop that was asked for is no error. A server still busy after
/// `gracefulStopLimit` is cancelled, and that stays loud.
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
    /// Guarded by `lock`.
    private var running: (group: ServiceGroup, task: Task<Void, Never>, stopped: DispatchSemaphore, port: Int)?
    /// How long a requested stop waits for requests in progress before the server's task is cancelled.
    private static var gracefulStopLimit: Duration { .seconds(3) }

    package init(responder: Responder, logger: Logger) {
        self.responder = responder
        self.logger = logger
    }

    /// The bound port while running.
    package var port: Int? { lock.withLock { running?.port } }

    /// The port the last `start` bound, kept after `stop`: a test that stopped a server to play an outage starts
    /// it again there (`start(port: lastPort ?? 0)`), so clients configured with the old URL reach it again.
    /// Guarded by `lock`.
    private var boundBefore: Int?
    package var lastPort: Int? { lock.withLock { boundBefore } }

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
        // No signals: the process that runs the emulator decides what a signal means.
        var groupConfiguration = ServiceGroupConfiguration(services: [app], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = Self.gracefulStopLimit
        let group = ServiceGroup(configuration: groupConfiguration)
        let task = Task {
            do {
                try await group.run()
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
        running = (group, task, stopped, bound)
        boundBefore = bound
        return bound
    }

    /// Stops the listener and waits (up to 10 s) until it has closed. Idempotent. Returns false on timeout.
    @discardableResult
    package func stop() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let running else { return true }
        self.running = nil
        let group = running.group
        Task { await group.triggerGracefulShutdown() }
        return running.stopped.wait(timeout: .now() + 10) == .success
    }
}
