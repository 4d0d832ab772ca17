import Foundation
import SciencefsStore

public typealias Timestamp = SciencefsStore.Timestamp

extension Timestamp {
    public init(_ date: Date) {
        let seconds = date.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        self.init(seconds: Int64(whole), nanoseconds: Int32(min(999_999_999, max(0, ((seconds - whole) * 1e9).rounded(.down)))))
    }

    public var date: Date { Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9) }
}

/// Mode and times a user set through the mount (`chmod`, `touch -d`, `rsync -a`, `tar x`) that the services cannot
/// store: kept as a local overlay over the server's attributes, in memory and in the SQLite store, so they survive
/// a remount.
///
/// An overlay row belongs to one server object. It is bound to the server's size and mtime the first time the server
/// answers for the node after the change (`observe`); when a later answer shows another object (someone changed
/// it elsewhere), the row is dropped and the server's attributes show again. Changes made through the mount (an
/// upload, a rename) unbind the row, so it is bound again to the object they made.
///
/// Thread-safe: `lock` guards `rows`; the store is written after the lock is released. Lock order: VFS.lock may
/// be held when this lock is taken, never the reverse.
final class AttributeOverlays: @unchecked Sendable {
    struct Overlay: Equatable {
        var mode: UInt16?
        var mtime: Timestamp?
        var atime: Timestamp?
        var serverSize: UInt64?
        var serverMtime: Double?

        var isEmpty: Bool { mode == nil && mtime == nil && atime == nil }
        var isBound: Bool { serverSize != nil }

        mutating func unbind() {
            serverSize = nil
            serverMtime = nil
        }

        /// True when `server` is the object this overlay was bound to. Directory sizes mean nothing, and times are
        /// compared to the millisecond: services round differently between listings and stats.
        func matches(_ server: RemoteAttributes) -> Bool {
            guard let serverSize, let serverMtime else { return true }
            if server.kind == .file, serverSize != server.size { return false }
            return abs(serverMtime - server.mtime.timeIntervalSince1970) < 0.001
        }
    }

    private let lock = NSLock()
    private var rows: [NodeKey: Overlay] = [:]
    private let store: MetadataStore?
    private let onStoreError: (Error) -> Void

    init(store: MetadataStore?, onStoreError: @escaping (Error) -> Void) {
        self.store = store
        self.onStoreError = onStoreError
        guard let store else { return }
        do {
            for record in try store.overlays() {
                rows[NodeKey(source: record.source, path: RemotePath(string: record.path))] = Overlay(
                    mode: record.mode, mtime: record.mtime, atime: record.atime, serverSize: record.serverSize,
                    serverMtime: record.serverMtime)
            }
        } catch { onStoreError(error) }
    }

    /// The overlay to show for `key` now, without checking it against the server.
    func current(_ key: NodeKey) -> Overlay? {
        lock.lock()
        defer { lock.unlock() }
        return rows.isEmpty ? nil : rows[key]
    }

    /// The server has just answered `server` for `key`: bind an unbound overlay to it, or drop one that was made
    /// for another object.
    func observe(_ key: NodeKey, server: RemoteAttributes) {
        lock.lock()
        guard !rows.isEmpty, var overlay = rows[key] else {
            lock.unlock()
            return
        }
        if overlay.isBound {
            if overlay.matches(server) {
                lock.unlock()
                return
            }
            rows[key] = nil
            lock.unlock()
            persist(key, nil)
            return
        }
        overlay.serverSize = server.kind == .file ? server.size : 0
        overlay.serverMtime = server.mtime.timeIntervalSince1970
        // A mode the server shows anyway (a file created 0644) needs no row.
        if overlay.mode == server.permissions & 0o7777 { overlay.mode = nil }
        let result: Overlay? = overlay.isEmpty ? nil : overlay
        rows[key] = result
        lock.unlock()
        persist(key, result)
    }

    /// Records what the user set; nil arguments leave that field as it was. The row is bound again at the server's
    /// next answer when `rebind` (the change was made together with a change of the object itself).
    func set(_ key: NodeKey, mode: UInt16? = nil, mtime: Timestamp? = nil, atime: Timestamp? = nil,
             rebind: Bool = false) {
        update(key, creating: true) { overlay in
            if let mode { overlay.mode = mode & 0o7777 }
            if let mtime { overlay.mtime = mtime }
            if let atime { overlay.atime = atime }
            if rebind { overlay.unbind() }
        }
    }

    /// The object was replaced through the mount (an upload): what the user set stays, and is bound to the new
    /// object at the server's next answer.
    func unbind(_ key: NodeKey) {
        update(key, creating: false) { $0.unbind() }
    }

    /// The file was written to after the user set its mtime: the write is newer, so the file's own mtime stands
    /// again (the mode stays), and the row is bound to the new object at the server's next answer.
    func clearMtime(_ key: NodeKey) {
        update(key, creating: false) { overlay in
            overlay.mtime = nil
            overlay.unbind()
        }
    }

    /// Changes the row of `key` (a new one only when `creating`), drops it when nothing is left, and persists it.
    private func update(_ key: NodeKey, creating: Bool, _ change: (inout Overlay) -> Void) {
        lock.lock()
        guard var overlay = rows[key] ?? (creating ? Overlay() : nil) else {
            lock.unlock()
            return
        }
        let before = overlay
        change(&overlay)
        let result: Overlay? = overlay.isEmpty ? nil : overlay
        rows[key] = result
        lock.unlock()
        if result != before { persist(key, result) }
    }

    /// True when the user set an mtime on `key` (a write must then drop it: the write is newer).
    func hasMtime(_ key: NodeKey) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return !rows.isEmpty && rows[key]?.mtime != nil
    }

    func removed(_ key: NodeKey) {
        lock.lock()
        if rows.isEmpty {
            lock.unlock()
            return
        }
        rows = rows.filter { !$0.key.isWithin(key) }
        lock.unlock()
        guard let source = key.source, let store else { return }
        do { try store.removeOverlays(source: source, path: key.path.string) } catch { onStoreError(error) }
    }

    func renamed(_ from: NodeKey, to: NodeKey) {
        lock.lock()
        if rows.isEmpty {
            lock.unlock()
            return
        }
        let moved = rows.filter { $0.key.isWithin(from) }
        rows = rows.filter { !$0.key.isWithin(from) && !$0.key.isWithin(to) }
        for (key, var overlay) in moved {
            overlay.serverSize = nil
            overlay.serverMtime = nil
            let suffix = key.path.components.dropFirst(from.path.components.count)
            rows[NodeKey(source: to.source, path: RemotePath(to.path.components + suffix))] = overlay
        }
        lock.unlock()
        guard let source = from.source, let store else { return }
        do {
            try store.renameOverlays(source: source, from: from.path.string, to: to.path.string)
            // Moved rows are bound again to what the server shows after the move.
            for (key, var overlay) in moved {
                overlay.serverSize = nil
                overlay.serverMtime = nil
                let suffix = key.path.components.dropFirst(from.path.components.count)
                persist(NodeKey(source: to.source, path: RemotePath(to.path.components + suffix)), overlay)
            }
        } catch { onStoreError(error) }
    }

    private func persist(_ key: NodeKey, _ overlay: Overlay?) {
        guard let source = key.source, let store else { return }
        let o = overlay ?? Overlay()
        do {
            try store.saveOverlay(OverlayRecord(source: source, path: key.path.string, mode: o.mode, mtime: o.mtime,
                                                atime: o.atime, serverSize: o.serverSize, serverMtime: o.serverMtime))
        } catch { onStoreError(error) }
    }
}
