import Foundation

/// Inode numbers for the nodes the kernel knows about, with the kernel's lookup counts.
///
/// An inode exists from the first `lookup`/`readdirplus` entry that names it until `forget` brings its count to
/// zero. The root (1) is never forgotten. Not thread-safe on its own: the VFS guards it with its lock.
///
/// Each inode stores its parent's number and its own name, not its whole path: after a `find` over a large tree
/// the kernel holds every node it met, so this table is the daemon's largest structure. A node's key is rebuilt
/// by walking up to the root; a rename moves one node and its subtree follows. Nodes live in an array indexed by
/// inode number (numbers are handed out in order and never reused; a forgotten node leaves an empty slot of a few
/// bytes), and the name index maps a 64-bit hash of (parent, name) to the inode, with the rare colliding name in a
/// small dictionary of its own: about 60 bytes per node, where dictionaries of paths took several hundred.
struct InodeTable {
    static let rootIno: UInt64 = 1
    /// The parent of a node whose name was taken by a rename onto it: it no longer has a path.
    private static let detached: UInt64 = 0

    private struct Node {
        var parent: UInt64
        var name: String
        var lookups: UInt64 = 0
        /// Nodes whose `parent` is this one: a node is dropped only when neither the kernel nor a child needs it.
        var children: UInt32 = 0
        var live = true
    }

    private struct ChildName: Hashable {
        var parent: UInt64
        var name: String
    }

    /// Slot `i` holds inode `i + 2`.
    private var slots: [Node] = []
    private var childIndex: [UInt64: UInt64] = [:]
    private var collided: [ChildName: UInt64] = [:]
    private var live = 0
    private let hash: @Sendable (UInt64, String) -> UInt64

    /// `hash` is for tests, which make every name collide to exercise the fallback.
    init(hash: @escaping @Sendable (UInt64, String) -> UInt64 = InodeTable.nameHash) {
        self.hash = hash
    }

    /// Inodes held, the root included.
    var count: Int { live + 1 }

    func key(for ino: UInt64) -> NodeKey? {
        if ino == Self.rootIno { return .mountRoot }
        var names: [String] = []
        var current = ino
        while current != Self.rootIno {
            guard let node = node(current) else { return nil }
            names.append(node.name)
            current = node.parent
        }
        names.reverse()
        return NodeKey(source: names[0], path: RemotePath(Array(names.dropFirst())))
    }

    func ino(for key: NodeKey) -> UInt64? {
        guard let source = key.source else { return Self.rootIno }
        guard var current = findChild(source, of: Self.rootIno) else { return nil }
        for name in key.path.components {
            guard let next = findChild(name, of: current) else { return nil }
            current = next
        }
        return current
    }

    func lookupCount(_ ino: UInt64) -> UInt64 { node(ino)?.lookups ?? 0 }

    /// `top` and every inode beneath it: what the kernel may hold of a subtree.
    func subtree(of top: UInt64) -> [UInt64] {
        var found: [UInt64] = [top]
        for (index, node) in slots.enumerated() where node.live {
            var above = node.parent
            while above != top, above != Self.rootIno, let parent = self.node(above) { above = parent.parent }
            if above == top, UInt64(index) + 2 != top { found.append(UInt64(index) + 2) }
        }
        return found
    }

    /// The inode for `key`, created if needed (with its ancestors), without touching its lookup count.
    mutating func inode(for key: NodeKey) -> UInt64 {
        guard let source = key.source else { return Self.rootIno }
        var current = child(named: source, of: Self.rootIno)
        for name in key.path.components { current = child(named: name, of: current) }
        return current
    }

    /// The inode for `key` with its lookup count raised by one (a reply the kernel will count).
    mutating func lookup(_ key: NodeKey) -> UInt64 {
        let ino = inode(for: key)
        if ino != Self.rootIno { slots[slot(ino)].lookups += 1 }
        return ino
    }

    /// Drops `n` kernel references; the inode is released when none remain.
    mutating func forget(_ ino: UInt64, _ n: UInt64) {
        guard ino != Self.rootIno, let node = node(ino), node.lookups > 0 else { return }
        slots[slot(ino)].lookups = node.lookups > n ? node.lookups - n : 0
        releaseIfUnused(ino)
    }

    /// Moves `from` and everything beneath it to `to`, keeping inode numbers (a rename).
    mutating func rekey(_ from: NodeKey, to: NodeKey) {
        // Whatever the destination held is replaced; its inode keeps its number but loses its name.
        if let replaced = ino(for: to), replaced != Self.rootIno { detach(replaced) }
        guard let moved = ino(for: from), moved != Self.rootIno, !to.isMountRoot, let node = node(moved) else { return }
        let newParent = inode(for: to.parent)
        unregister(moved, parent: node.parent, name: node.name)
        slots[slot(moved)].parent = newParent
        slots[slot(moved)].name = to.name
        if newParent != Self.rootIno { slots[slot(newParent)].children += 1 }
        register(moved, parent: newParent, name: to.name)
        if node.parent != Self.rootIno {
            slots[slot(node.parent)].children -= 1
            releaseIfUnused(node.parent)
        }
    }

    /// Detaches a removed node's name; the inode number stays valid (with its old key) until forgotten.
    mutating func unlink(_ key: NodeKey) {
        guard let ino = ino(for: key), ino != Self.rootIno, let node = node(ino) else { return }
        unregister(ino, parent: node.parent, name: node.name)
    }

    // MARK: - Internals

    private func slot(_ ino: UInt64) -> Int { Int(ino - 2) }

    private func node(_ ino: UInt64) -> Node? {
        guard ino >= 2, ino - 2 < UInt64(slots.count) else { return nil }
        let node = slots[Int(ino - 2)]
        return node.live ? node : nil
    }

    static func nameHash(_ parent: UInt64, _ name: String) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(parent)
        hasher.combine(name)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    private func findChild(_ name: String, of parent: UInt64) -> UInt64? {
        if let ino = childIndex[hash(parent, name)], let node = node(ino),
           node.parent == parent, node.name == name {
            return ino
        }
        return collided.isEmpty ? nil : collided[ChildName(parent: parent, name: name)]
    }

    /// Makes `ino` the child called `name` of `parent` in the name index.
    private mutating func register(_ ino: UInt64, parent: UInt64, name: String) {
        let hash = hash(parent, name)
        if let holder = childIndex[hash], holder != ino, let other = node(holder),
           other.parent != parent || other.name != name {
            collided[ChildName(parent: parent, name: name)] = ino // another name with the same hash
        } else {
            childIndex[hash] = ino
        }
    }

    /// Takes `ino` out of the name index, if it is there under (`parent`, `name`).
    private mutating func unregister(_ ino: UInt64, parent: UInt64, name: String) {
        let hash = hash(parent, name)
        if childIndex[hash] == ino {
            childIndex[hash] = nil
        } else if collided[ChildName(parent: parent, name: name)] == ino {
            collided[ChildName(parent: parent, name: name)] = nil
        }
    }

    private mutating func child(named name: String, of parent: UInt64) -> UInt64 {
        if let ino = findChild(name, of: parent) { return ino }
        let ino = UInt64(slots.count) + 2
        slots.append(Node(parent: parent, name: name))
        live += 1
        if parent != Self.rootIno { slots[slot(parent)].children += 1 }
        register(ino, parent: parent, name: name)
        return ino
    }

    /// Takes `ino` out of the tree: no key finds it, its key is nil, and it goes once the kernel forgets it.
    private mutating func detach(_ ino: UInt64) {
        guard let node = node(ino) else { return }
        unregister(ino, parent: node.parent, name: node.name)
        slots[slot(ino)].parent = Self.detached
        if node.parent != Self.rootIno, node.parent != Self.detached {
            slots[slot(node.parent)].children -= 1
            releaseIfUnused(node.parent)
        }
        releaseIfUnused(ino)
    }

    /// Drops `ino` when the kernel holds no reference and no child names it as parent, then its parent likewise.
    private mutating func releaseIfUnused(_ ino: UInt64) {
        var current = ino
        while current != Self.rootIno, let node = node(current), node.lookups == 0, node.children == 0 {
            unregister(current, parent: node.parent, name: node.name)
            slots[slot(current)] = Node(parent: Self.detached, name: "", live: false)
            live -= 1
            guard node.parent != Self.rootIno, node.parent != Self.detached else { return }
            slots[slot(node.parent)].children -= 1
            current = node.parent
        }
    }
}
