import Foundation

/// Every request an emulator answered, in arrival order, for tests to assert on ("one listing = one request
/// per page", "the client asked for this Range"). Shared by all emulators; an emulator with several listeners
/// (an API plus storage servers) records them all in one log and says which listener answered. Thread-safe.
public final class RequestLog: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        /// Index in arrival order since the emulator was created (not reset by `clear()`).
        public let sequence: Int
        public let method: String
        /// The URL path with every segment percent-decoded (`/files/v2/media/system/s/a b.txt`).
        public let path: String
        /// The raw query string without `?`, or nil.
        public let query: String?
        /// The `Range` request header, if any.
        public let range: String?
        public var status: Int
        /// Response body bytes written (the planned count for a streamed body that completes; the bytes
        /// actually sent when a fault cut the transfer short).
        public var bytesSent: Int
        /// Which listener answered, for emulators with several (e.g. `"api"` or an RSE name); nil when the
        /// emulator has only one.
        public let listener: String?
        /// The request body came with `Transfer-Encoding: chunked` (sent while it was produced, length unknown).
        public let requestBodyChunked: Bool

        public init(sequence: Int, method: String, path: String, query: String?, range: String?, status: Int,
                    bytesSent: Int, listener: String? = nil, requestBodyChunked: Bool = false) {
            self.sequence = sequence
            self.method = method
            self.path = path
            self.query = query
            self.range = range
            self.status = status
            self.bytesSent = bytesSent
            self.listener = listener
            self.requestBodyChunked = requestBodyChunked
        }
    }

    private let lock = NSLock()
    private var entries: [Entry] = []
    private var nextSequence = 0

    public init() {}

    /// A snapshot of all entries since the last `clear()`.
    public var all: [Entry] { lock.withLock { entries } }

    public func clear() { lock.withLock { entries.removeAll() } }

    /// Entries whose method matches and whose decoded path starts with `pathPrefix`.
    /// With `listener`, only entries answered by that listener.
    public func entries(method: String? = nil, pathPrefix: String = "/", listener: String? = nil) -> [Entry] {
        all.filter {
            (method == nil || $0.method == method) && $0.path.hasPrefix(pathPrefix)
                && (listener == nil || $0.listener == listener)
        }
    }

    /// Appends an entry and returns its sequence number (for `updateBytesSent`).
    package func record(method: String, path: String, query: String?, range: String?, status: Int, bytesSent: Int,
                        listener: String? = nil, requestBodyChunked: Bool = false) -> Int {
        lock.withLock {
            let sequence = nextSequence
            nextSequence += 1
            entries.append(Entry(sequence: sequence, method: method, path: path, query: query, range: range,
                                 status: status, bytesSent: bytesSent, listener: listener,
                                 requestBodyChunked: requestBodyChunked))
            return sequence
        }
    }

    package func updateBytesSent(sequence: Int, bytesSent: Int) {
        lock.withLock {
            if let index = entries.lastIndex(where: { $0.sequence == sequence }) { entries[index].bytesSent = bytesSent }
        }
    }
}
