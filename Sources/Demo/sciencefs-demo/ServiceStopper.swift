import CLISupport
import Foundation

/// Stops what the demo started (the emulators, their nginx, the mount process) on every way out: a normal return, a
/// thrown error (`stopAll()` from a `defer`), and SIGINT/SIGTERM/SIGHUP while `catchSignals()` is in force, where the
/// stops run and the process exits 128 + the signal number. Stops run once each, newest first.
///
/// Once the mount process runs, `forwardSignals(to:)` hands the signals to it instead: it unmounts and exits, and
/// the demo, which waits for it, then stops the services itself and returns normally.
///
/// `@unchecked Sendable` because `lock` guards `stops`, `sources` and `forward`; `stopAll()` runs the stops under it,
/// so each runs once even when a signal and a normal return race.
final class ServiceStopper: @unchecked Sendable {
    private static let signals = [SIGINT, SIGTERM, SIGHUP]
    private let lock = NSLock()
    private var stops: [() -> Void] = []
    private var sources: [DispatchSourceSignal] = []
    private var forward: (@Sendable (Int32) -> Void)?

    func add(_ stop: @escaping () -> Void) {
        lock.withLock { stops.append(stop) }
    }

    /// Runs every stop not yet run, newest first. A second caller waits for the first to finish.
    func stopAll() {
        lock.lock()
        defer { lock.unlock() }
        while let stop = stops.popLast() { stop() }
    }

    func catchSignals() {
        guard lock.withLock({ sources.isEmpty }) else { return }
        for signalNumber in Self.signals {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                if let forward = self.lock.withLock({ self.forward }) {
                    forward(signalNumber)
                    return
                }
                self.stopAll()
                fflush(standardOutputStream)
                _exit(128 + signalNumber)
            }
            source.resume()
            lock.withLock { sources.append(source) }
        }
    }

    /// From now on SIGINT, SIGTERM and SIGHUP go to `handler` and nothing is stopped here.
    func forwardSignals(to handler: @escaping @Sendable (Int32) -> Void) {
        lock.withLock { forward = handler }
    }
}
