import Foundation

/// A batch's original file tree, as the directory shows it: file paths relative to the batch's common directory
/// (the longest directory prefix all its original absolute paths share — the same base JDMA uses when it makes
/// GET file lists relative). Directories are inferred from file paths, because the listings leave them out
/// (docs/protocols/jdma.md §6.4).
public struct BatchTree: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        /// The original absolute path (what JDMA knows the file by).
        public var originalPath: String
        public var size: UInt64
        public var digest: String?
        public var digestFormat: String?
    }

    /// The common directory of all files, e.g. `/gws/ws/user/run1` (`/` if they share nothing).
    public private(set) var commonDirectory: String
    /// Relative path (`a/b.nc`) → file.
    public private(set) var files: [String: File]
    /// Relative directory paths (`a`, `a/b`); the batch root is `""`.
    public private(set) var directories: Set<String>

    init(_ listed: [JDMAFileListing.File]) {
        let paths = listed.map { Self.components($0.path) }
        commonDirectory = "/" + Self.commonDirectory(of: paths).joined(separator: "/")
        let prefixCount = Self.commonDirectory(of: paths).count
        var files: [String: File] = [:]
        var directories: Set<String> = [""]
        for (file, parts) in zip(listed, paths) {
            let relative = Array(parts.dropFirst(prefixCount))
            guard !relative.isEmpty else { continue }
            for depth in 1..<relative.count { directories.insert(relative[0..<depth].joined(separator: "/")) }
            files[relative.joined(separator: "/")] = File(originalPath: file.path, size: file.size,
                                                         digest: file.digest, digestFormat: file.digestFormat)
        }
        self.files = files
        self.directories = directories
    }

    /// Path components without `.` and empty pieces.
    static func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init).filter { $0 != "." }
    }

    /// The longest shared prefix of the files' parent directories.
    static func commonDirectory(of paths: [[String]]) -> [String] {
        guard var common = paths.first.map({ Array($0.dropLast()) }) else { return [] }
        for parts in paths.dropFirst() {
            let parent = parts.dropLast()
            var n = 0
            while n < common.count, n < parent.count, common[n] == parent[parent.startIndex + n] { n += 1 }
            common.removeLast(common.count - n)
        }
        return common
    }

    /// The names directly inside the relative directory `directory` (`""` = batch root): files and subdirectories.
    public func children(of directory: String) -> (files: [String: File], directories: Set<String>) {
        let prefix = directory.isEmpty ? "" : directory + "/"
        var childFiles: [String: File] = [:]
        var childDirectories: Set<String> = []
        for (path, file) in files where path.hasPrefix(prefix) {
            let rest = path.dropFirst(prefix.count)
            if !rest.contains("/") { childFiles[String(rest)] = file }
        }
        for path in directories where !path.isEmpty && path.hasPrefix(prefix) {
            let rest = path.dropFirst(prefix.count)
            if !rest.isEmpty, !rest.contains("/") { childDirectories.insert(String(rest)) }
        }
        return (childFiles, childDirectories)
    }
}
