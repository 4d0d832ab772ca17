import Foundation
import SciencefsCore

/// Sets a cache control xattr (`user.sciencefs.pin`, `user.sciencefs.evict`) on a path in a mount, as `setfattr`
/// would: the daemon does the work, so the CLI and `setfattr` are one mechanism (see VFS+Pinning).
enum CacheControl {
    static func set(_ name: String, _ value: String, on path: String) throws {
        guard systemSetxattr(path, name, value, value.utf8.count, 0) != 0 else { return }
        let code = errno
        switch code {
        case ENOSPC:
            throw CacheControlError("\(path): no room: the pinned files together would exceed the data cache "
                + "(data_cache_size_mb); unpin others, or raise the cap")
        case EBUSY:
            throw CacheControlError("\(path) is pinned; unpin it first (sciencefs unpin)")
        case EISDIR:
            throw CacheControlError("\(path) is a directory")
        case EOPNOTSUPP, ENOTSUP:
            throw CacheControlError("\(path) is not a file in a sciencefs mount with a data cache")
        default:
            throw CacheControlError("\(path): \(String(cString: strerror(code)))")
        }
    }

    /// `paths`, with every regular file below a directory in place of the directory. Walked with `stat`, not the
    /// directory entries' types: a FUSE mount may report those as unknown, and Foundation's enumerator then skips
    /// the subdirectories.
    static func files(_ paths: [String]) -> [String] {
        paths.flatMap { path -> [String] in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                return [path]
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return files(names.sorted().map { (path as NSString).appendingPathComponent($0) })
        }
    }
}

struct CacheControlError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
