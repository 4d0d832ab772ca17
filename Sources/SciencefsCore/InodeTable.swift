import Foundation

/// Inode numbers for the nodes the kernel knows about, with the kernel's lookup counts.
///
/// An inode exists from the first `lookup`/`readdirplus` entry that names it until `forget` brings its count to
/// zero. The root (1) is never forgotten. Not thread-safe on its own: the VFS guards it with its lock.
struct InodeTable {
    static let rootIno: UInt64 = 1

    private var keyByIno: [UInt64: NodeKey] = [rootIno: .mountRoot]
    private var inoByKey: [NodeKey: UInt64] = [.mountRoot: rootIno]
    private var lookupCounts: [UInt64: UInt64] = [:]
    private var nextIno: UInt64 = 2

    var count: Int { keyByIno.count }

    func key(for ino: UInt64) -> NodeKey? { keyByIno[ino] }
    func ino(for key: NodeKey) -> UInt64? { inoByKey[key] }
    func lookupCount(_ ino: UInt64) -> UInt64 { lookupCounts[ino] ?? 0 }

    /// The inode for `key`, created if needed, without touching its lookup count.
    mutating func inode(for key: NodeKey) -> UInt64 {
        if let ino = inoByKey[key] { return ino }
        let ino = nextIno
        nextIno += 1
        keyByIno[ino] = key
        inoByKey[key] = ino
        return ino
    }

    /// The inode for `key` with its lookup count raised by one (a reply the kernel will count).
    mutating func lookup(_ key: NodeKey) -> UInt64 {
        let ino = inode(for: key)
        if ino != Self.rootIno { lookupCounts[ino, default: 0] += 1 }
        return ino
    }

    /// Drops `n` kernel references; the inode is released when none remain.
    mutating func forget(_ ino: UInt64, _ n: UInt64) {
        guard ino != Self.rootIno, let current = lookupCounts[ino] else { return }
        if current > n {
            lookupCounts[ino] = current - n
            return
        }
        lookupCounts[ino] = nil
        if let key = keyByIno.removeValue(forKey: ino), inoByKey[key] == ino {
            inoByKey[key] = nil
        }
    }

    /// Moves `from` and everything beneath it to `to`, keeping inode numbers (a rename).
    mutating func rekey(_ from: NodeKey, to: NodeKey) {
        let moved = inoByKey.filter { $0.key.isWithin(from) }
        for (key, _) in moved { inoByKey[key] = nil }
        // Whatever the destination held is replaced; its inode keeps its number but loses its name.
        for (key, ino) in inoByKey where key.isWithin(to) {
            inoByKey[key] = nil
            keyByIno[ino] = nil
            lookupCounts[ino] = nil
        }
        for (key, ino) in moved {
            let suffix = key.path.components.dropFirst(from.path.components.count)
            let newKey = NodeKey(source: to.source, path: RemotePath(to.path.components + suffix))
            inoByKey[newKey] = ino
            keyByIno[ino] = newKey
        }
    }

    /// Detaches a removed node's name; the inode number stays valid until forgotten.
    mutating func unlink(_ key: NodeKey) {
        for (k, _) in inoByKey where k.isWithin(key) { inoByKey[k] = nil }
    }
}
