import Foundation

/// The events `GET /files/v2/history/…` serves (docs/protocols/agave.md §4.8), per file on the emulator's disk:
/// what imports and uploads record while they are staged (§4.4, §4.5). Like the real service's, a file's history
/// only grows, oldest event first, so a client may page through it and count on positions staying put.
///
/// A file that exists without recorded events (seeded, copied) has one `CREATED` event at its modification time;
/// that event is written down before the file's first recorded event, so the list never changes shape.
///
/// Thread-safe: `lock` guards `events`.
final class FileHistoryLog: @unchecked Sendable {
    struct Event: Sendable {
        var status: String
        var created: Date
        var description: String
    }

    private let lock = NSLock()
    private var events: [String: [Event]] = [:]

    /// The events of the file at `path` (a path on the emulator's disk), oldest first; nil when the file neither
    /// exists nor has a recorded history (404).
    func history(of path: String) -> [Event]? {
        let recorded = lock.withLock { events[path] ?? [] }
        if !recorded.isEmpty { return recorded }
        return Self.created(path).map { [$0] }
    }

    func record(_ path: String, _ status: String, _ description: String) {
        let created = Self.created(path) // outside the lock: one stat(2)
        lock.withLock {
            if events[path] == nil, let created { events[path] = [created] }
            events[path, default: []].append(Event(status: status, created: Date(), description: description))
        }
    }

    private static func created(_ path: String) -> Event? {
        FileStat(path: path).map { Event(status: "CREATED", created: $0.modified, description: "New file/folder created.") }
    }
}
