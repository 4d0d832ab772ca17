import Foundation

/// Scripted misbehaviour for tests: each rule matches requests by method and path, fires a number of times (or
/// forever), and replaces or perturbs the normal answer. This type only decides *which* action fires; each
/// emulator renders it in its own service's dialect (e.g. its own error body for `.status`). Rules are tried in the order they were added; the first
/// match fires and the others are left alone for that request. Thread-safe.
public final class FaultInjector: @unchecked Sendable {
    public enum Action: Sendable, Equatable {
        /// Answer with this HTTP status and the service's error body (no work is done).
        case status(Int)
        /// Answer 200 with a body that is not valid JSON.
        case malformedJSON
        /// Do the work and send the headers, then close the connection after this many body bytes.
        case dropAfterBytes(Int)
        /// Wait this long, then answer normally.
        case delay(milliseconds: Int)
        /// Accept the request and never answer (until the rule is removed or the emulator stops).
        case hang
        /// Do the work, send the headers and this many body bytes, then send nothing more (a server frozen
        /// mid-transfer) until the rule is removed or the emulator stops; the connection is then dropped.
        case stallAfterBytes(Int)
        /// Answer normally but send only the first bytes of the body, with a `Content-Length` that matches what
        /// is sent: a short reply that looks complete at the HTTP level.
        case truncatedBody(keepBytes: Int)
        /// Answer normally with a `Content-Length` this many bytes larger than the body, then close the connection.
        case wrongContentLength(extraBytes: Int)
        /// Reject the request as the service rejects an expired credential (each emulator in its own dialect).
        case expiredToken
        /// Answer with this status, content type and body instead of the normal reply (e.g. names no real server
        /// would store on disk).
        case replaceBody(status: Int, contentType: String, body: Data)
        /// Take this many bytes of the request body (an upload), then refuse the rest: answer 500 and close the
        /// connection, so the client's upload fails halfway. Agave emulator only.
        case refuseRequestBody(afterBytes: Int)
        /// Take this many bytes of the request body, then stop reading it (a server frozen mid-upload) until the
        /// rule is removed or the emulator stops; the request then fails with 500. Agave emulator only.
        case stallRequestBody(afterBytes: Int)
    }

    public enum PathMatch: Sendable, Equatable {
        /// The decoded request path starts with this string.
        case prefix(String)
        /// The decoded request path contains this string.
        case contains(String)

        public func matches(_ path: String) -> Bool {
            switch self {
            case .prefix(let p): return path.hasPrefix(p)
            case .contains(let p): return path.contains(p)
            }
        }
    }

    public struct Rule: Sendable, Equatable {
        /// nil matches any method.
        public var method: String?
        public var path: PathMatch
        public var action: Action
        /// Remaining firings; nil means forever.
        public var remaining: Int?
        /// Only requests to this listener of an emulator with several (the Rucio emulator names each RSE's storage
        /// listener by the RSE); nil matches every listener.
        public var listener: String?

        public init(method: String?, path: PathMatch, action: Action, count: Int? = 1, listener: String? = nil) {
            self.method = method?.uppercased()
            self.path = path
            self.action = action
            self.remaining = count
            self.listener = listener
        }
    }

    private let lock = NSLock()
    private var rules: [Rule] = []

    public init() {}

    public func add(_ rule: Rule) { lock.withLock { rules.append(rule) } }

    /// Convenience: `faults.add(method: "GET", pathPrefix: "/files/v2/media/", action: .status(500), count: 2)`.
    public func add(method: String?, pathPrefix: String, action: Action, count: Int? = 1) {
        add(Rule(method: method, path: .prefix(pathPrefix), action: action, count: count))
    }

    /// Removes every rule and ends every `.hang` in progress (the hung requests then answer normally).
    public func removeAll() {
        lock.withLock {
            rules.removeAll()
            hangGeneration &+= 1
        }
    }

    /// Bumped by `removeAll`: a hanging request waits while the generation it started in is current.
    private var hangGeneration = 0

    /// What a `.hang` waits on: returns once `removeAll` has been called (or the task is cancelled).
    public func waitWhileHanging() async {
        let started = lock.withLock { hangGeneration }
        while !Task.isCancelled, lock.withLock({ hangGeneration }) == started {
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    /// Rules that have not used up their count.
    public var pending: [Rule] { lock.withLock { rules } }

    /// Finds the first rule matching the request (made to `listener`, when the emulator has several), uses up one of
    /// its firings, and returns its action.
    public func take(method: String, path: String, listener: String? = nil) -> Action? {
        lock.withLock {
            guard let index = rules.firstIndex(where: {
                ($0.method == nil || $0.method == method) && $0.path.matches(path)
                    && ($0.listener == nil || $0.listener == listener)
            }) else { return nil }
            let action = rules[index].action
            if let remaining = rules[index].remaining {
                if remaining <= 1 { rules.remove(at: index) } else { rules[index].remaining = remaining - 1 }
            }
            return action
        }
    }
}
