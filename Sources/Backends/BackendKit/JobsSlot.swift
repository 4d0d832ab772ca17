import Foundation
import SciencefsCore

/// Holds something the Core hands a backend once, after the backend is made (`Backend.attach`): its `ServerJobs`,
/// its `ReadOrigins.Reporter`. nil until then, and when the backend is used without a mount (then it starts no job
/// it would have to follow, and reports no read origin).
public final class AttachedSlot<Value: Sendable>: @unchecked Sendable {
    /// Guards `stored`.
    private let lock = NSLock()
    private var stored: Value?

    public init() {}

    public var value: Value? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// The `ServerJobs` slot every job-starting backend keeps.
public typealias JobsSlot = AttachedSlot<ServerJobs>

extension AttachedSlot where Value == ServerJobs {
    public var jobs: ServerJobs? {
        get { value }
        set { value = newValue }
    }
}

/// Where a backend keeps its `ReadOrigins.Reporter`.
public typealias ReadOriginSlot = AttachedSlot<ReadOrigins.Reporter>
