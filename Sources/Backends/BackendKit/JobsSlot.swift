import Foundation
import SciencefsCore

/// Holds the `ServerJobs` the Core hands a backend (`Backend.attach(_ jobs:)`), set once after the backend is made.
/// nil when the backend is used without a mount's job journal: it then starts no job it would have to follow.
public final class JobsSlot: @unchecked Sendable {
    /// Guards `value`.
    private let lock = NSLock()
    private var value: ServerJobs?

    public init() {}

    public var jobs: ServerJobs? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
