import Foundation

/// What a source does while its service cannot be reached (`offline` in its config table).
public enum OfflineMode: String, Sendable, CaseIterable {
    /// Listings and stats answer from the metadata cache past their TTL, cached bytes are read, writes wait in the
    /// upload journal until the service is back (the default).
    case serveStale = "serve-stale"
    /// Every request that needs the service fails, as if nothing were cached past its TTL.
    case fail
}

/// One source's reachability, as `sciencefs status` shows it.
public struct SourceReachability: Sendable, Codable, Equatable {
    public var source: String
    /// When the source was first found unreachable; nil while it answers.
    public var offlineSince: Date?
    /// When it last came back after an outage.
    public var backOnlineAt: Date?
    /// Why it was last found unreachable (a cause chain; print it escaped).
    public var cause: String?
}

/// Which sources cannot be reached right now, and since when: the one place the Core keeps that state. Every
/// backend call whose failure can mean an outage goes through `VFS.reaching` (VFS+Reachability), which reports here.
///
/// A source goes offline when a call fails with `isOutage`, and comes back with the first call the service answers
/// (success, or any answer such as a 404). While it is offline a probe repeats the last failed call every
/// `probeInterval` seconds, so uploads waiting for it go out even if nobody touches the mount.
///
/// `@unchecked Sendable` because `lock` guards `states` and `probeTimer`. A leaf in the lock order (see `VFS`).
final class SourceHealth: @unchecked Sendable {
    struct State {
        var offlineSince: Date?
        var backOnlineAt: Date?
        var cause: String?
        /// Repeats the call that found the source unreachable (no lock held while it runs).
        var probe: (@Sendable () throws -> Void)?
    }

    /// Seconds between probes of an offline source.
    static let probeInterval: TimeInterval = 10

    private let lock = NSLock()
    private var states: [String: State] = [:]
    private var probeTimer: DispatchSourceTimer?

    /// Whether `error` says the service could not be reached: a connection that failed or timed out, a name that did
    /// not resolve, a gateway's 502/503/504 after the retries (see `ServiceErrors`). A 404, a 403 or a 500 is an
    /// answer from the service, never an outage.
    static func isOutage(_ error: Error) -> Bool {
        switch FSError.from(error) {
        case .timedOut: return true
        case .io(let cause): return cause.unreachable
        default: return false
        }
    }

    func isOffline(_ source: String) -> Bool {
        lock.withLock { states[source]?.offlineSince != nil }
    }

    /// Records an outage; true when the source was online until now (the caller logs that, once).
    func noteOutage(_ source: String, cause: String, at now: Date, probe: @escaping @Sendable () throws -> Void) -> Bool {
        lock.withLock {
            var state = states[source] ?? State()
            let wasOnline = state.offlineSince == nil
            if wasOnline { state.offlineSince = now }
            state.cause = cause
            state.probe = probe
            states[source] = state
            return wasOnline
        }
    }

    /// Records an answer from the service; when it ends an outage, returns when that outage began.
    func noteAnswer(_ source: String, at now: Date) -> Date? {
        lock.withLock {
            guard var state = states[source], let since = state.offlineSince else { return nil }
            state.offlineSince = nil
            state.backOnlineAt = now
            state.probe = nil
            states[source] = state
            return since
        }
    }

    /// The probes of every offline source, to run without the lock.
    func pendingProbes() -> [(source: String, probe: @Sendable () throws -> Void)] {
        lock.withLock {
            states.compactMap { source, state in
                guard state.offlineSince != nil, let probe = state.probe else { return nil }
                return (source, probe)
            }.sorted { $0.source < $1.source }
        }
    }

    /// Starts the probe timer (once; `fire` runs every `probeInterval` on a utility queue) while any source is
    /// offline; `fire` calls `stopProbesIfAllOnline` after each round.
    func startProbes(_ fire: @escaping @Sendable () -> Void) {
        lock.withLock {
            guard probeTimer == nil else { return }
            let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
            timer.schedule(deadline: .now() + Self.probeInterval, repeating: Self.probeInterval)
            timer.setEventHandler(handler: fire)
            timer.resume()
            probeTimer = timer
        }
    }

    /// Cancels the probe timer when no source is offline any more (the next outage starts it again).
    func stopProbesIfAllOnline() {
        lock.withLock {
            guard !states.values.contains(where: { $0.offlineSince != nil }) else { return }
            probeTimer?.cancel()
            probeTimer = nil
        }
    }

    /// Cancels the probe timer for good (the mount is stopping).
    func stopProbes() {
        lock.withLock {
            probeTimer?.cancel()
            probeTimer = nil
        }
    }

    /// Every source that was ever found unreachable, for the status file.
    var snapshot: [SourceReachability] {
        lock.withLock {
            states.map { SourceReachability(source: $0.key, offlineSince: $0.value.offlineSince,
                                            backOnlineAt: $0.value.backOnlineAt, cause: $0.value.cause) }
                .sorted { $0.source < $1.source }
        }
    }
}
