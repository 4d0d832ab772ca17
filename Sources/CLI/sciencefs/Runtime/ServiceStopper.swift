import Foundation

/// Stops what a command started (the demo's emulators and their nginx) on every way out: a normal return, a thrown
/// error (`stopAll()` from a `defer`), and SIGINT/SIGTERM/SIGHUP while `catchSignals()` is in force, where the
/// stops run and the process exits 128 + the signal number. Stops run once each, newest first.
///
/// While the mount runs, libfuse's own handlers must take these signals (they end the session, which returns
/// normally): libfuse installs them only over the default disposition, so `releaseSignals()` restores it, just
/// before libfuse installs them (`MountRunner.run(takeSignals:)`): a signal in between would kill the process
/// with everything still running.
///
/// `@unchecked Sendable` because `lock` guards `stops` and `sources`; `stopAll()` runs the stops under it, so each
/// runs once even when a signal and a normal return race.
final class ServiceStopper: @unchecked Sendable {
    private static let signals = [SIGINT, SIGTERM, SIGHUP]
    private let lock = NSLock()
    private var stops: [() -> Void] = []
    private var sources: [DispatchSourceSignal] = []

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
                self?.stopAll()
                fflush(standardOutputStream)
                _exit(128 + signalNumber)
            }
            source.resume()
            lock.withLock { sources.append(source) }
        }
    }

    func releaseSignals() {
        let current = lock.withLock { () -> [DispatchSourceSignal] in
            defer { sources = [] }
            return sources
        }
        current.forEach { $0.cancel() }
        for signalNumber in Self.signals { signal(signalNumber, SIG_DFL) }
    }
}
