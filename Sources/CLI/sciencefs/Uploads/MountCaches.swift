import ArgumentParser
import Foundation
import SciencefsStore

/// A mount's cache directory (its metadata store, staging directory and upload journal), and whether a daemon is
/// serving it now.
struct MountCache {
    let mountpoint: String
    let directory: URL
    let record: MountRecord?

    /// A daemon answers for this mount: retries and discards must go through it.
    var isLive: Bool {
        guard let record else { return false }
        return processIsAlive(record.pid) && MountTable.isMounted(record.mountpoint)
    }

    func openStore() throws -> MetadataStore { try MetadataStore(directory: directory) }
}

/// Finds mounts' cache directories the way `status` does, plus, for a mountpoint given by name, the directory its
/// identity names under each cache root: an unmounted mount has no registry record, but its kept uploads remain.
enum MountCaches {
    static func roots(config: String?) -> [URL] {
        var roots = [MountConfiguration.defaultCacheRoot]
        let configURL = URL(fileURLWithPath: config.map(expandTilde) ?? MountConfiguration.defaultPath.path)
        if let configuration = try? MountConfiguration.load(from: configURL) { roots.insert(configuration.cacheRoot, at: 0) }
        var seen = Set<String>()
        return roots.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }

    /// `find`, or a `ValidationError` naming what was looked for when nothing is found; `unmountedHint` tells how
    /// to name an unmounted mount, for commands that can act on one.
    static func require(mountpoint: String?, config: String?, unmountedHint: String = "") throws -> [MountCache] {
        let caches = find(mountpoint: mountpoint, config: config)
        if caches.isEmpty {
            throw ValidationError(mountpoint.map { "no sciencefs cache for \(MountIdentity(mountpoint: $0).mountpoint)" }
                                  ?? "no sciencefs mounts" + unmountedHint)
        }
        return caches
    }

    /// Every registered mount, or only `mountpoint`'s cache (registered or not).
    static func find(mountpoint: String?, config: String?) -> [MountCache] {
        let roots = roots(config: config)
        guard let mountpoint else {
            var seen = Set<String>()
            return roots.flatMap { MountRegistry.all(root: $0) }
                .filter { seen.insert($0.mountpoint).inserted }
                .map { MountCache(mountpoint: $0.mountpoint, directory: URL(fileURLWithPath: $0.cacheDirectory), record: $0) }
        }
        let identity = MountIdentity(mountpoint: mountpoint)
        for root in roots {
            if let record = MountRegistry.find(mountpoint: identity.mountpoint, root: root) {
                return [MountCache(mountpoint: record.mountpoint, directory: URL(fileURLWithPath: record.cacheDirectory),
                                   record: record)]
            }
        }
        for root in roots {
            let directory = identity.cacheDirectory(root: root)
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("metadata.sqlite").path) {
                return [MountCache(mountpoint: identity.mountpoint, directory: directory, record: nil)]
            }
        }
        return []
    }
}
