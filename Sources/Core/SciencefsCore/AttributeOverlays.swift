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
/// `@unchecked Sendable` because `lock` guards `rows` (the only mutable state); the store is written after the
/// lock is released. A leaf in the lock order (see `VFS`): no other lock is taken under it, and it is not taken
/// under `VFS.lock`.
final class AttributeOverlays: @unchecked Sendable {
    struct Overlay: Equatable {
        var mode: UInt16?
        var mtime: Timestamp?
        var atime: Timestamp?
        var serverSize: UInt64?
        var serverMtime: Double?

        var isEmpty: Bool { mode == nil && mtime == nil && atime == nil }
        var isBound: Bool { serverSize != nil }
        /// The `RemoteAttributes.objectVersion` of the object this overlay was bound to.
        var serverVersion: String? {
            guard let serverSize, let serverMtime else { return nil }
            return "\(serverSize)-\(Int64((serverMtime * 1000).rounded(.down)))"
        }

        mutating func unbind() {
            serverSize = nil
            serverMtime = nil
        }

        /// True when `server` is the object this overlay was bound to (`RemoteAttributes.objectVersion`). A
        /// directory's overlay stays while the directory does: its server mtime moves with every change inside it,
        /// ours included, and a user's chmod of it must not be lost to that.
        func matches(_ server: RemoteAttributes) -> Bool {
            guard let version = serverVersion, server.kind == .file else { return true }
            return version == server.objectVersion
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
        lock.lock()
        let set = !rows.isEmpty && rows[key]?.mtime != nil
        lock.unlock()
        // Every write comes here: one lock and no store write unless the user had set an mtime.
        guard set else { return }
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


    /// A node removed through the mount. A file has no rows below it, so only a directory walks the rows.
    func removed(_ key: NodeKey, isDirectory: Bool) {
        lock.lock()
        if rows.isEmpty {
            lock.unlock()
            return
        }
        if isDirectory { rows = rows.filter { !$0.key.isWithin(key) } } else { rows[key] = nil }
        lock.unlock()
        guard let source = key.source, let store else { return }
        do { try store.removeOverlays(source: source, path: key.path.string) } catch { onStoreError(error) }
    }

    /// A rename: the rows move with the node (and its subtree), unbound, to be bound to what the server shows
    /// after the move.
    func renamed(_ from: NodeKey, to: NodeKey) {
        lock.lock()
        if rows.isEmpty {
            lock.unlock()
            return
        }
        let moved = rows.filter { $0.key.isWithin(from) }
        rows = rows.filter { !$0.key.isWithin(from) && !$0.key.isWithin(to) }
        for (key, var overlay) in moved {
            overlay.unbind()
            rows[key.rebased(from: from, to: to)] = overlay
        }
        lock.unlock()
        guard let source = from.source, let store else { return }
        do { try store.renameOverlays(source: source, from: from.path.string, to: to.path.string) } catch {
            onStoreError(error)
        }
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
