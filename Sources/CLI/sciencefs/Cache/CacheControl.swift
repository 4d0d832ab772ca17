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

    /// `paths`, with every regular file below a directory in place of the directory.
    static func files(_ paths: [String]) -> [String] {
        paths.flatMap { path -> [String] in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
                  let walker = FileManager.default.enumerator(atPath: path) else { return [path] }
            var found: [String] = []
            while let relative = walker.nextObject() as? String {
                if walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular {
                    found.append((path as NSString).appendingPathComponent(relative))
                }
            }
            return found.sorted()
        }
    }
}

struct CacheControlError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
