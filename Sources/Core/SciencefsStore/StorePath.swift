/// Path arithmetic for the "/a/b" strings the store keys its rows by (one namespace per source, "/" is its root).
///
/// Subtrees are selected with a range on the path column instead of `LIKE 'p/%'`: `LIKE` is case-insensitive for
/// ASCII and treats `%` and `_` in file names as wildcards. With SQLite's BINARY collation (memcmp on UTF-8),
/// every descendant of `p` sorts strictly between `p + "/"` and `p + "0"`, because `"0"` is the byte after `"/"`.
enum StorePath {
    /// Throws unless `path` is "/" or "/"-separated non-empty components with no trailing slash.
    static func validate(_ path: String) throws {
        guard path.hasPrefix("/") else { throw StoreError.invalidPath(path) }
        if path == "/" { return }
        guard !path.hasSuffix("/"), !hasEmptyComponent(path) else { throw StoreError.invalidPath(path) }
    }

    /// Whether `path` holds "//". A byte scan: it runs for every row a listing saves, and Foundation's substring
    /// search (which `contains` resolves to) showed in the profile of a cold `ls -l`.
    private static func hasEmptyComponent(_ path: String) -> Bool {
        var previousWasSlash = false
        for byte in path.utf8 {
            let isSlash = byte == UInt8(ascii: "/")
            if isSlash && previousWasSlash { return true }
            previousWasSlash = isSlash
        }
        return false
    }

    /// The parent directory of `path`; nil for the root.
    static func parent(of path: String) -> String? {
        if path == "/" { return nil }
        guard let slash = path.lastIndex(of: "/") else { return nil }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Bounds such that the descendants of `path` (not `path` itself) are exactly the rows with
    /// `lower < column AND column < upper`.
    static func descendantBounds(of path: String) -> (lower: String, upper: String) {
        if path == "/" { return ("/", "0") }
        return (path + "/", path + "0")
    }

    /// True when `candidate` is `ancestor` itself or lies below it.
    static func isSelfOrDescendant(_ candidate: String, of ancestor: String) -> Bool {
        if candidate == ancestor || ancestor == "/" { return true }
        // Byte-wise, like SQLite's BINARY collation (String.hasPrefix compares canonical equivalence).
        return candidate.utf8.starts(with: (ancestor + "/").utf8)
    }

    /// `path` moved from below `from` to below `to` (`path` must be `from` or one of its descendants).
    static func rebase(_ path: String, from: String, to: String) -> String {
        if path == from { return to }
        return to + String(decoding: path.utf8.dropFirst(from.utf8.count), as: UTF8.self)
    }
}
