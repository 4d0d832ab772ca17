import Foundation
import SciencefsCore

/// How long job metadata stays fresh. A job that has not ended changes all the time (status, outputs growing),
/// one that has ended never changes again, so the two get very different lifetimes.
public struct JobCaching: Sendable, Equatable {
    /// Seconds the record, listings and outputs of a job that has not ended (and the job lists themselves,
    /// whose membership and mtimes move as jobs progress) are trusted.
    public var activeTTL: TimeInterval
    /// Seconds the record and outputs of an ended job (Agave: FINISHED, FAILED, STOPPED, KILLED, ARCHIVING_FAILED;
    /// Tapis: FINISHED, CANCELLED, FAILED)
    /// are trusted.
    public var finishedTTL: TimeInterval

    public init(activeTTL: TimeInterval = 5, finishedTTL: TimeInterval = 3600) {
        self.activeTTL = activeTTL
        self.finishedTTL = finishedTTL
    }

    public func ttl(terminal: Bool) -> TimeInterval { terminal ? finishedTTL : activeTTL }

    /// The Core's cache policy for a node inside a job in this state.
    public func policy(terminal: Bool, base: CachePolicy) -> CachePolicy {
        let ttl = ttl(terminal: terminal)
        return CachePolicy(attributeTTL: ttl, listingTTL: ttl, negativeTTL: min(base.negativeTTL, activeTTL))
    }

    /// The policy for `jobs/` and the filter directories: never longer than the source's, never longer than
    /// `activeTTL`, because jobs appear, finish and change state directory behind the mount's back.
    public func listPolicy(base: CachePolicy) -> CachePolicy {
        CachePolicy(attributeTTL: min(base.attributeTTL, activeTTL), listingTTL: min(base.listingTTL, activeTTL),
                    negativeTTL: min(base.negativeTTL, activeTTL))
    }
}
