/// Why an operation failed, as a chain of explanations from the outermost (what was being done) down to the root
/// cause (what the service or the system said): `["server-side copy", "FTS3 submit", "HTTP 500: DB down"]`.
///
/// `FSError.io` carries one, so an EIO keeps its cause as it travels up through the backend and the VFS, each layer
/// adding what it was doing (`adding(context:)`), and is logged once, whole, at the FUSE boundary. A string literal or
/// interpolation is a one-link chain, so `.io("Agave import failed: \(status)")` reads as before.
public struct FailureCause: Error, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringInterpolation {
    /// Outermost first.
    public private(set) var chain: [String]
    /// The service could not be reached at all (no connection, no name, no answer, a gateway's 502/503/504): the
    /// Core may then answer from its caches (see `SourceHealth`). Not part of equality: it is what the chain says.
    public private(set) var unreachable = false

    public init(_ message: String) { chain = [message] }
    public init(chain: [String]) { self.chain = chain.isEmpty ? ["unknown cause"] : chain }
    /// A cause that says the service could not be reached (see `unreachable`).
    public static func unreachable(chain: [String]) -> FailureCause {
        var cause = FailureCause(chain: chain)
        cause.unreachable = true
        return cause
    }
    public init(stringLiteral value: String) { self.init(value) }
    public init(stringInterpolation: DefaultStringInterpolation) { self.init(String(stringInterpolation: stringInterpolation)) }

    /// This cause, explained by what was being done when it happened. An empty or repeated context adds nothing.
    public func adding(context: String) -> FailureCause {
        guard !context.isEmpty, chain.first != context else { return self }
        var outer = FailureCause(chain: [context] + chain)
        outer.unreachable = unreachable
        return outer
    }

    /// The innermost explanation: what the service or the system said.
    public var root: String { chain.last ?? "" }

    /// The chain, outermost first, joined by ": " (the form the log line shows).
    public var description: String { chain.joined(separator: ": ") }

    /// Two causes are the same when they read the same, however they were assembled.
    public static func == (lhs: FailureCause, rhs: FailureCause) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}
