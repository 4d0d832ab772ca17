import Foundation

/// How the Core follows every server-side job (FTS3 jobs, Agave imports, JDMA requests): ONE schedule and ONE
/// give-up rule, stated for users in docs/TRANSFERS.md.
///
/// - The first poll is at once; then the pause starts at `firstInterval` and grows by `backoff` after every poll,
///   up to `maxInterval`. A failed poll does not reset the pause (a struggling service is not asked harder).
/// - A poll that fails (no answer, 5xx, a reply that does not parse) is retried on the same schedule. The job is
///   given up only when BOTH `maxConsecutiveFailures` polls in a row failed AND no poll succeeded for
///   `minOutage` seconds, so neither a fast schedule nor a slow one gives up on a short outage.
/// - An answer saying the service does not know the job (404, `FSError.notFound`) gives it up at once.
/// - `maxDuration`, when set, gives up a job followed for longer than that, whatever it answers. nil (the default)
///   follows a running job as long as the service says it runs: tape recalls take days.
///
/// A given-up job ends as `LOST` in the journal: nothing polls it again, and what waited for it fails with EIO.
public struct PollPolicy: Sendable, Equatable {
    public var firstInterval: TimeInterval
    public var backoff: Double
    public var maxInterval: TimeInterval
    public var maxConsecutiveFailures: Int
    public var minOutage: TimeInterval
    public var maxDuration: TimeInterval?

    public init(firstInterval: TimeInterval = 0.2, backoff: Double = 2, maxInterval: TimeInterval = 5,
                maxConsecutiveFailures: Int = 20, minOutage: TimeInterval = 300, maxDuration: TimeInterval? = nil) {
        self.maxInterval = max(0.001, maxInterval)
        self.firstInterval = min(max(0.001, firstInterval), self.maxInterval)
        self.backoff = max(1, backoff)
        self.maxConsecutiveFailures = max(1, maxConsecutiveFailures)
        self.minOutage = max(0, minOutage)
        self.maxDuration = maxDuration
    }

    /// The default for every job of a mount. `[fts3] poll_interval` sets `maxInterval`.
    public static let standard = PollPolicy()

    /// The pause after the `polls`-th poll (1 = after the first).
    public func interval(afterPoll polls: Int) -> TimeInterval {
        guard polls > 0 else { return 0 }
        let grown = firstInterval * pow(backoff, Double(min(polls - 1, 64)))
        return min(grown, maxInterval)
    }
}

/// What to do after one poll of a job.
public enum PollVerdict: Sendable, Equatable {
    /// Poll again at `due`.
    case pollAgain(due: Date)
    /// Stop following the job; `reason` says why (journaled and shown).
    case giveUp(reason: String)
}

/// Where the following of one job stands: `PollPolicy` applied to the answers so far. A value type without a clock of
/// its own (the caller passes `now`), so the rule is tested without waiting.
public struct PollSchedule: Sendable, Equatable {
    public let policy: PollPolicy
    public let started: Date
    public private(set) var polls = 0
    public private(set) var consecutiveFailures = 0
    /// When the last poll succeeded (the start until one did).
    public private(set) var lastAnswer: Date
    /// When the next poll is due (the first is due at once).
    public private(set) var due: Date

    public init(policy: PollPolicy, now: Date) {
        self.policy = policy
        self.started = now
        self.lastAnswer = now
        self.due = now
    }

    public func isDue(_ now: Date) -> Bool { now >= due }

    /// The service answered and the job still runs.
    public mutating func answered(now: Date) -> PollVerdict {
        polls += 1
        consecutiveFailures = 0
        lastAnswer = now
        if let limit = policy.maxDuration, now.timeIntervalSince(started) >= limit {
            return .giveUp(reason: "followed for \(Self.seconds(limit)) without ending (the longest a job is followed)")
        }
        return next(now)
    }

    /// The poll failed; `notFound` when the service said it does not know the job.
    public mutating func failed(notFound: Bool, now: Date) -> PollVerdict {
        polls += 1
        consecutiveFailures += 1
        if notFound { return .giveUp(reason: "the service does not know this job (any more)") }
        if let limit = policy.maxDuration, now.timeIntervalSince(started) >= limit {
            return .giveUp(reason: "followed for \(Self.seconds(limit)) without ending (the longest a job is followed)")
        }
        let outage = now.timeIntervalSince(lastAnswer)
        if consecutiveFailures >= policy.maxConsecutiveFailures, outage >= policy.minOutage {
            return .giveUp(reason: "\(consecutiveFailures) polls in a row failed over \(Self.seconds(outage))")
        }
        return next(now)
    }

    private mutating func next(_ now: Date) -> PollVerdict {
        due = now.addingTimeInterval(policy.interval(afterPoll: polls))
        return .pollAgain(due: due)
    }

    private static func seconds(_ value: TimeInterval) -> String { "\(Int(value.rounded())) s" }
}
