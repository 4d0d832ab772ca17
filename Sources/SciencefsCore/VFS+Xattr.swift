import Foundation

/// Extended attributes: what the backend reports about a node, plus sciencefs's own `user.sciencefs.*` names.
extension VFS {
    /// Names the kernel and `ls -l` ask about on every file. They never exist here, and answering from memory
    /// saves one round trip per file in a large listing.
    private static func isSystemName(_ name: String) -> Bool {
        name.hasPrefix("security.") || name.hasPrefix("system.") || name.hasPrefix("trusted.")
    }

    public func getxattr(_ ino: UInt64, name: String) throws -> [UInt8] {
        if Self.isSystemName(name) { throw FSError.noAttribute }
        let key = try key(for: ino)
        guard let value = try extendedAttributes(of: key)[name] else { throw FSError.noAttribute }
        return Array(value.utf8)
    }

    public func listxattr(_ ino: UInt64) throws -> [String] {
        let key = try key(for: ino)
        return try extendedAttributes(of: key).keys.sorted()
    }

    private func extendedAttributes(of key: NodeKey) throws -> [String: String] {
        let attrs = try attributes(of: key)
        var all = attrs.xattrs
        if key.source != nil, !key.path.isRoot, stagedFile(key) == nil {
            do { all = try backend(for: key).extendedAttributes(of: key.path, attributes: attrs) } catch {
                throw logged(error, "xattrs", key)
            }
        }
        if let source = key.source {
            all["user.sciencefs.source"] = source
            if attrs.kind == .file, let staged = stagedFile(key) {
                staged.lock.lock()
                all["user.sciencefs.upload"] = staged.dirty ? "pending" : "uploaded"
                staged.lock.unlock()
            }
        }
        return all
    }
}
