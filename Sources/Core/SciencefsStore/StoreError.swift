import Foundation
import GRDB

/// Failures that come from the store's own rules rather than from SQLite (which throws GRDB's `DatabaseError`)
/// or from the file system (which throws `POSIXError`).
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A path that is not absolute, has a trailing slash, or contains an empty component.
    case invalidPath(String)
    /// `saveListing` was given an entry that is not a direct child of the listed directory.
    case entryOutsideDirectory(entry: String, directory: String)
    /// A rename of the root, or of a directory into its own subtree (or onto one of its ancestors).
    case invalidRename(from: String, to: String)
    /// A stored column held a value this version of the code cannot read.
    case corruptRecord(String)

    public var description: String {
        switch self {
        case .invalidPath(let path): return "invalid store path \(path)"
        case .entryOutsideDirectory(let entry, let directory): return "\(entry) is not a direct child of \(directory)"
        case .invalidRename(let from, let to): return "cannot rename \(from) to \(to)"
        case .corruptRecord(let why): return "corrupt store record: \(why)"
        }
    }
}

extension StoreError {
    /// Whether `error` means the disk holding the store is full (SQLite's SQLITE_FULL, or ENOSPC from a write), so
    /// callers can answer ENOSPC rather than a generic I/O error.
    public static func isDiskFull(_ error: Error) -> Bool {
        if let error = error as? DatabaseError { return error.resultCode == .SQLITE_FULL }
        if let error = error as? POSIXError { return error.code == .ENOSPC }
        return false
    }
}
