import Foundation

/// Inode numbers for the nodes the kernel knows about, with the kernel's lookup counts.
///
/// An inode exists from the first `lookup`/`readdirplus` entry that names it until `forget` brings its count to
/// zero. The root (1) is never forgotten. Not thread-safe on its own: the VFS guards it with its lock.
///
/// Each inode stores its parent's number and its own name, not its whole path: after a `find` over a large tree
/// the kernel holds every node it met, so this table is the daemon's largest structure, and a path per node
/// would cost several times more memory (one array of components each, in two dictionaries). A node's key is
/// rebuilt by walking up to the root; a rename moves one node and its subtree follows.
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
    }

    private struct ChildName: Hashable {
        var parent: UInt64
        var name: String
    }

    private var nodes: [UInt64: Node] = [:]
    private var childByName: [ChildName: UInt64] = [:]
    private var nextIno: UInt64 = 2

    /// Inodes held, the root included.
    var count: Int { nodes.count + 1 }

    func key(for ino: UInt64) -> NodeKey? {
        if ino == Self.rootIno { return .mountRoot }
        var names: [String] = []
        var current = ino
        while current != Self.rootIno {
            guard current != Self.detached, let node = nodes[current] else { return nil }
            names.append(node.name)
            current = node.parent
        }
        names.reverse()
        return NodeKey(source: names[0], path: RemotePath(Array(names.dropFirst())))
    }

    func ino(for key: NodeKey) -> UInt64? {
        guard let source = key.source else { return Self.rootIno }
        guard var current = childByName[ChildName(parent: Self.rootIno, name: source)] else { return nil }
        for name in key.path.components {
            guard let next = childByName[ChildName(parent: current, name: name)] else { return nil }
            current = next
        }
        return current
    }

    func lookupCount(_ ino: UInt64) -> UInt64 { nodes[ino]?.lookups ?? 0 }

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
        if ino != Self.rootIno { nodes[ino]?.lookups += 1 }
        return ino
    }

    /// Drops `n` kernel references; the inode is released when none remain.
    mutating func forget(_ ino: UInt64, _ n: UInt64) {
        guard ino != Self.rootIno, let node = nodes[ino], node.lookups > 0 else { return }
        nodes[ino]?.lookups = node.lookups > n ? node.lookups - n : 0
        releaseIfUnused(ino)
    }

    /// Moves `from` and everything beneath it to `to`, keeping inode numbers (a rename).
    mutating func rekey(_ from: NodeKey, to: NodeKey) {
        // Whatever the destination held is replaced; its inode keeps its number but loses its name.
        if let replaced = ino(for: to), replaced != Self.rootIno { detach(replaced) }
        guard let moved = ino(for: from), moved != Self.rootIno, !to.isMountRoot, let node = nodes[moved] else { return }
        let newParent = inode(for: to.parent)
        childByName[ChildName(parent: node.parent, name: node.name)] = nil
        nodes[moved]?.parent = newParent
        nodes[moved]?.name = to.name
        nodes[newParent]?.children += 1
        childByName[ChildName(parent: newParent, name: to.name)] = moved
        if node.parent != Self.rootIno {
            nodes[node.parent]?.children -= 1
            releaseIfUnused(node.parent)
        }
    }

    /// Detaches a removed node's name; the inode number stays valid (with its old key) until forgotten.
    mutating func unlink(_ key: NodeKey) {
        guard let ino = ino(for: key), ino != Self.rootIno, let node = nodes[ino] else { return }
        childByName[ChildName(parent: node.parent, name: node.name)] = nil
    }

    // MARK: - Internals

    private mutating func child(named name: String, of parent: UInt64) -> UInt64 {
        let slot = ChildName(parent: parent, name: name)
        if let ino = childByName[slot] { return ino }
        let ino = nextIno
        nextIno += 1
        nodes[ino] = Node(parent: parent, name: name)
        if parent != Self.rootIno { nodes[parent]?.children += 1 }
        childByName[slot] = ino
        return ino
    }

    /// Takes `ino` out of the tree: no key finds it, its key is nil, and it goes once the kernel forgets it.
    private mutating func detach(_ ino: UInt64) {
        guard let node = nodes[ino] else { return }
        if childByName[ChildName(parent: node.parent, name: node.name)] == ino {
            childByName[ChildName(parent: node.parent, name: node.name)] = nil
        }
        nodes[ino]?.parent = Self.detached
        if node.parent != Self.rootIno, node.parent != Self.detached {
            nodes[node.parent]?.children -= 1
            releaseIfUnused(node.parent)
        }
        releaseIfUnused(ino)
    }

    /// Drops `ino` when the kernel holds no reference and no child names it as parent, then its parent likewise.
    private mutating func releaseIfUnused(_ ino: UInt64) {
        var current = ino
        while current != Self.rootIno, current != Self.detached, let node = nodes[current],
              node.lookups == 0, node.children == 0 {
            nodes[current] = nil
            let slot = ChildName(parent: node.parent, name: node.name)
            if childByName[slot] == current { childByName[slot] = nil }
            guard node.parent != Self.rootIno, node.parent != Self.detached else { return }
            nodes[node.parent]?.children -= 1
            current = node.parent
        }
    }
}
