import EmulatorSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Tapis `FileInfo` objects (docs/protocols/tapis.md §5.1) for files on the emulator's disk.
enum FileInfoObjects {
    /// One entry. `path` is relative to the root it is listed under (a system's rootDir, a job's output folder),
    /// without a leading `/`; `url` is `urlPrefix` followed by that path, not percent-encoded (as Tapis prints it).
    static func fileInfo(name: String, relativePath: String, stat: FileStat, urlPrefix: String) -> JSONValue {
        .object([
            ("mimeType", .string(stat.isDirectory ? "" : MimeType.guess(forName: name))),
            ("type", .string(stat.isDirectory ? "dir" : "file")),
            ("owner", .string(String(getuid()))),
            ("group", .string(String(getgid()))),
            ("nativePermissions", .string(nativePermissions(stat.mode))),
            ("url", .string(urlPrefix + relativePath)),
            ("lastModified", .string(TapisReplies.instant(stat.modified))),
            ("name", .string(name)),
            ("path", .string(relativePath)),
            ("size", .int(Int64(stat.isDirectory ? 4096 : stat.size))),
        ])
    }

    /// The entries at `directory` (or the file itself, listed alone, when `directory` is a file), sorted by name,
    /// descending into folders with `recurse`. `pattern` is a shell glob on names.
    static func listing(of target: String, relativePath: String, urlPrefix: String, recurse: Bool,
                        pattern: String?) throws -> [JSONValue] {
        guard let stat = FileStat(path: target) else { throw TapisError.notFound("FILES_NOT_FOUND Path not found: \(relativePath)") }
        guard stat.isDirectory else {
            let name = relativePath.split(separator: "/").last.map(String.init) ?? relativePath
            return [fileInfo(name: name, relativePath: relativePath, stat: stat, urlPrefix: urlPrefix)]
        }
        var entries: [JSONValue] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []
        for name in names.sorted() {
            let child = target + "/" + name
            let childPath = relativePath.isEmpty ? name : relativePath + "/" + name
            guard let childStat = FileStat(path: child) else { continue }
            if pattern.map({ fnmatch($0, name, 0) == 0 }) ?? true {
                entries.append(fileInfo(name: name, relativePath: childPath, stat: childStat, urlPrefix: urlPrefix))
            }
            if recurse, childStat.isDirectory {
                entries += try listing(of: child, relativePath: childPath, urlPrefix: urlPrefix, recurse: true, pattern: pattern)
            }
        }
        return entries
    }

    /// `rwxr-xr-x` from POSIX mode bits.
    static func nativePermissions(_ mode: UInt32) -> String {
        let letters: [(UInt32, Character)] = [(0o400, "r"), (0o200, "w"), (0o100, "x"), (0o040, "r"), (0o020, "w"),
                                              (0o010, "x"), (0o004, "r"), (0o002, "w"), (0o001, "x")]
        return String(letters.map { mode & $0.0 != 0 ? $0.1 : "-" })
    }
}
