import Foundation

/// Files and folders of stored batches that `rm` has removed from view while an `rm -r` of the batch runs. JDMA
/// can only delete whole batches, so unlinks inside one are remembered here (in memory) and the batch goes with
/// `delete_batch` when its directory is removed. A mark alone deletes nothing; after a remount the files show again.
final class RemovalMarks: @unchecked Sendable {
    private let lock = NSLock()
    private var marks: [Int: Set<String>] = [:]

    func mark(batch: Int, _ relative: String) {
        lock.lock()
        marks[batch, default: []].insert(relative)
        lock.unlock()
    }

    func isMarked(batch: Int, _ relative: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let set = marks[batch] else { return false }
        var path = relative
        while !path.isEmpty {
            if set.contains(path) { return true }
            guard let slash = path.lastIndex(of: "/") else { break }
            path = String(path[..<slash])
        }
        return false
    }

    func clear(batch: Int) {
        lock.lock()
        marks[batch] = nil
        lock.unlock()
    }
}
