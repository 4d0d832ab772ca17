import Foundation

/// Exponential backoff with jitter and a cap: delay(n) = min(maxDelay, initialDelay · multiplier^(n-1)),
/// then spread by ±`jitter` (a fraction) so many clients retrying after one outage do not stampede together.
public struct RetryPolicy: Sendable {
    /// Retries after the first attempt (0 = never retry).
    public var maxRetries: Int
    public var initialDelay: TimeInterval
    public var multiplier: Double
    public var maxDelay: TimeInterval
    public var jitter: Double
    /// Whether an attempt abandoned for silence (connect timeout, no byte for the low-speed time) is retried.
    /// Off where the caller has a better place to go (another replica) and a retry would only multiply the wait.
    public var retriesTimeouts: Bool

    public init(maxRetries: Int = 4, initialDelay: TimeInterval = 0.25, multiplier: Double = 2,
                maxDelay: TimeInterval = 8, jitter: Double = 0.2, retriesTimeouts: Bool = true) {
        self.retriesTimeouts = retriesTimeouts
        self.maxRetries = maxRetries
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
        self.jitter = jitter
    }

    public static let none = RetryPolicy(maxRetries: 0)

    /// Seconds to wait before retry number `retry` (1-based).
    public func delay(beforeRetry retry: Int) -> TimeInterval {
        let exponent = Double(max(0, retry - 1))
        let base = min(maxDelay, initialDelay * pow(multiplier, exponent))
        guard jitter > 0, base > 0 else { return base }
        let spread = base * jitter
        return max(0, min(maxDelay, base + Double.random(in: -spread...spread)))
    }

    /// Whether a reply status is worth another attempt: server-side trouble that may be transient.
    /// 501 (Not Implemented) and 505 are permanent answers, so they are not retried.
    public static func isRetryable(status: Int) -> Bool {
        (500...599).contains(status) && status != 501 && status != 505
    }

    /// Statuses by which the server says it did not act on the request (503 Service Unavailable, 429 Too Many
    /// Requests), so even a non-idempotent request (a job submission, a tape request) may be sent again.
    public static func isRefusedUnprocessed(status: Int) -> Bool {
        status == 503 || status == 429
    }
}
