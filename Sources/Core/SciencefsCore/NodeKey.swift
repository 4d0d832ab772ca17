/// Identifies a node in the mounted tree: the mount root, a source's subtree, or the control directory.
public struct NodeKey: Hashable, Sendable, CustomStringConvertible {
    /// nil for the mount root itself.
    public var source: String?
    public var path: RemotePath

    public init(source: String?, path: RemotePath) {
        self.source = source
        self.path = path
    }

    public static let mountRoot = NodeKey(source: nil, path: .root)

    public var isMountRoot: Bool { source == nil }

    public func child(_ name: String) -> NodeKey {
        guard let source else { return NodeKey(source: name, path: .root) }
        return NodeKey(source: source, path: path.appending(name))
    }

    public var parent: NodeKey {
        guard let source else { return self }
        return path.isRoot ? .mountRoot : NodeKey(source: source, path: path.parent)
    }

    public var name: String { path.isRoot ? (source ?? "") : path.name }

    /// True if `self` is `other` or lies beneath it.
    public func isWithin(_ other: NodeKey) -> Bool {
        guard source == other.source || other.isMountRoot else { return false }
        if other.isMountRoot { return true }
        return path.components.starts(with: other.path.components)
    }

    /// `self` moved from under `from` to under `to` (a rename of `from`); `self` must lie within `from`.
    public func rebased(from: NodeKey, to: NodeKey) -> NodeKey {
        NodeKey(source: to.source, path: RemotePath(to.path.components + path.components.dropFirst(from.path.components.count)))
    }

    public var description: String { (source.map { "/\($0)" } ?? "") + (path.isRoot ? (source == nil ? "/" : "") : path.string) }
}
