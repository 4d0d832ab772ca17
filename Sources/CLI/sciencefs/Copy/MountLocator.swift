import Foundation

/// Which running sciencefs mount a path lies in, and where inside it.
struct MountedPath {
    let record: MountRecord
    /// The path as given, made absolute.
    let absolute: String
    /// Components below the mountpoint: `[source, ...path in the source]`.
    let components: [String]

    var sourceName: String? { components.first }
    var pathInSource: [String] { Array(components.dropFirst()) }
}

enum MountLocator {
    /// The registered mounts of every cache root the user may be using.
    static func records(config: MountConfiguration?) -> [MountRecord] {
        var roots = [MountConfiguration.defaultCacheRoot]
        if let config { roots.insert(config.cacheRoot, at: 0) }
        var seen = Set<String>()
        return roots.flatMap { MountRegistry.all(root: $0) }
            .filter { processIsAlive($0.pid) && seen.insert($0.mountpoint).inserted }
    }

    /// The mount holding `path` (which need not exist yet: its parent is resolved instead), or nil.
    static func locate(_ path: String, in records: [MountRecord]) -> MountedPath? {
        let absolute = absolutePath(path)
        for record in records.sorted(by: { $0.mountpoint.count > $1.mountpoint.count }) {
            let mountpoint = record.mountpoint
            guard absolute == mountpoint || absolute.hasPrefix(mountpoint + "/") else { continue }
            let rest = absolute.dropFirst(mountpoint.count).split(separator: "/").map(String.init)
            return MountedPath(record: record, absolute: absolute, components: rest)
        }
        return nil
    }

    /// Absolute and normalised, without asking the filesystem about the last component (it may not exist).
    static func absolutePath(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let parent = url.deletingLastPathComponent().standardizedFileURL.resolvingSymlinksInPath()
        let leaf = url.lastPathComponent
        if leaf == "/" || leaf.isEmpty { return parent.path }
        if leaf == "." { return parent.path }
        return parent.appendingPathComponent(leaf).standardizedFileURL.path
    }
}
