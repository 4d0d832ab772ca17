import Foundation

/// Sorted child names per directory, reused while the directory's modification time is unchanged, so paging
/// through a 10,000-entry directory does not re-read and re-sort it for every page. Thread-safe.
///
/// Directory timestamps can be coarse (one kernel tick), so a directory changed twice within one tick keeps
/// the same mtime; the cache therefore only trusts directories that have not changed for a few seconds.
final class DirectoryListingCache: @unchecked Sendable {
    private struct Entry { let modified: Date; let names: [String] }
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private let capacity = 64
    private let settleTime: TimeInterval = 3

    /// Children of the directory at `path` (without `.` and `..`), sorted by name.
    func sortedNames(ofDirectory path: String, modified: Date) throws -> [String] {
        if let hit = lock.withLock({ entries[path] }), hit.modified == modified { return hit.names }
        let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        guard Date().timeIntervalSince(modified) > settleTime else { return names }
        lock.withLock {
            if entries.count >= capacity { entries.removeAll() }
            entries[path] = Entry(modified: modified, names: names)
        }
        return names
    }
}
