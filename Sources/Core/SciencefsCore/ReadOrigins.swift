import Foundation

/// Where the last network read of each file came from (`user.sciencefs.served_from`): the replica URL and RSE, the
/// service's download URL, the tape batch. A backend reports it as it reads (`Backend.attach(_ origins:)`); the
/// Core answers the xattr from here, so asking costs no request.
///
/// Kept in memory for this mount only: a file not read from a service since the mount started has no
/// `served_from` (its cached bytes came from an earlier session). Bounded: past `capacity` files, the oldest half
/// of the reports is forgotten. `@unchecked Sendable` because `lock` guards `origins` and `order` (a leaf lock:
/// only dictionary work under it).
public final class ReadOrigins: @unchecked Sendable {
    /// One source's door to the table, handed to its backend.
    public struct Reporter: Sendable {
        let table: ReadOrigins
        public let source: String

        /// Records that a read of `path` was served from `origin`, which must carry no credential: a backend
        /// reports URLs through BackendKit's `report(_:url:detail:)`, which removes them.
        public func report(_ path: RemotePath, from origin: String) {
            table.record(NodeKey(source: source, path: path), origin)
        }
    }

    private let lock = NSLock()
    private var origins: [NodeKey: String] = [:]
    private var order: [NodeKey] = []
    private let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    func reporter(for source: String) -> Reporter { Reporter(table: self, source: source) }

    func origin(of key: NodeKey) -> String? { lock.withLock { origins[key] } }

    private func record(_ key: NodeKey, _ origin: String) {
        lock.withLock {
            if origins.updateValue(origin, forKey: key) == nil { order.append(key) }
            if order.count > capacity {
                let dropped = order.prefix(order.count / 2)
                for old in dropped { origins.removeValue(forKey: old) }
                order.removeFirst(dropped.count)
            }
        }
    }
}
