import Foundation

/// The requests this backend submitted (GET retrievals, PUT batches), newest last, for `.sciencefs/transfers/`.
/// Finished entries are kept (they explain what happened) up to a bound.
final class TransferLog: @unchecked Sendable {
    struct Entry: Equatable {
        var id: String
        var kind: String
        var state: String
        var detail: String
    }

    private let lock = NSLock()
    private var entries: [Entry] = []
    private let capacity: Int

    init(capacity: Int = 500) { self.capacity = capacity }

    /// Adds the entry, or replaces the one with the same id and kind.
    func record(_ entry: Entry) {
        lock.lock()
        defer { lock.unlock() }
        if let index = entries.firstIndex(where: { $0.id == entry.id && $0.kind == entry.kind }) {
            entries[index] = entry
        } else {
            entries.append(entry)
            if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        }
    }

    func update(id: String, kind: String, state: String, detail: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        guard let index = entries.firstIndex(where: { $0.id == id && $0.kind == kind }) else { return }
        entries[index].state = state
        if let detail { entries[index].detail = detail }
    }

    var all: [Entry] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }
}
