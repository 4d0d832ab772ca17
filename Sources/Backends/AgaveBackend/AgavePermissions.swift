import SciencefsCore

/// Maps Agave's permission strings (READ, WRITE, EXECUTE, READ_WRITE, READ_EXECUTE, WRITE_EXECUTE, ALL, NONE)
/// to POSIX mode bits.
///
/// The rule: the string describes what *the authenticated user* may do, so it sets the owner bits
/// (READ → r, WRITE → w, EXECUTE → x; ALL → rwx; NONE → nothing). Group and other get the owner's r and x
/// bits but never w: the mount is private to its user, and advertising group write would be a lie about
/// people Agave tells us nothing about. A readable directory is also given x, because a directory one may
/// list but not enter is useless through a filesystem and Agave has no separate "traverse" right.
/// A missing string is treated as READ.
enum AgavePermissions {
    static func mode(_ permissions: String?, kind: NodeKind) -> UInt16 {
        // The words of "READ_WRITE"; a split, not Foundation's substring search, which showed in the profile of a
        // cold `ls -l` (this runs for every entry of every listing).
        let words = Set((permissions ?? "READ").uppercased().split(separator: "_"))
        let all = words.contains("ALL")
        let read = all || words.contains("READ")
        let write = all || words.contains("WRITE")
        let execute = all || words.contains("EXECUTE") || (kind == .directory && read)
        let owner: UInt16 = (read ? 4 : 0) | (write ? 2 : 0) | (execute ? 1 : 0)
        let others: UInt16 = (read ? 4 : 0) | (execute ? 1 : 0)
        return owner << 6 | others << 3 | others
    }
}
