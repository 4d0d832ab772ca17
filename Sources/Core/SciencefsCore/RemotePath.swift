/// A path inside one source, as components relative to the source's root directory in the mount
/// (`MNT/<source>/a/b` is `["a", "b"]`). Components are raw names: backends encode them for their wire format.
public struct RemotePath: Hashable, Sendable, CustomStringConvertible {
    public var components: [String]

    public init(_ components: [String] = []) { self.components = components }

    /// Parses a slash-separated string; empty components are dropped.
    public init(string: String) {
        self.components = string.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    public static let root = RemotePath()

    public var isRoot: Bool { components.isEmpty }
    public var name: String { components.last ?? "" }
    public var parent: RemotePath { RemotePath(Array(components.dropLast())) }
    public func appending(_ name: String) -> RemotePath { RemotePath(components + [name]) }

    /// `/a/b` form, `/` for the root.
    public var string: String { "/" + components.joined(separator: "/") }
    public var description: String { string }
}
