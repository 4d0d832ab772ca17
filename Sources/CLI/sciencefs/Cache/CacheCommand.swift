import ArgumentParser
import Foundation
import SciencefsCore
import SciencefsStore

/// `sciencefs cache`: what each mount's data cache holds (path, size, pinned) and its hit rate; `evict` drops files.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "List the data cache (files, sizes, pins, hit rate), or evict files from it.",
        subcommands: [CacheListCommand.self, CacheEvictCommand.self],
        defaultSubcommand: CacheListCommand.self)
}

struct CacheListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the data cache (the default).")

    @Option(name: .long, help: "Config file, to find its cache directory.")
    var config: String?

    @Argument(help: "Only this mountpoint.")
    var mountpoint: String?

    func run() throws {
        umask(0o077) // opening the index may create SQLite -wal/-shm files
        for cache in try MountCaches.require(mountpoint: mountpoint, config: config) {
            let entries = try cache.openStore().cacheListing()
            let status = (try? Data(contentsOf: cache.directory.appendingPathComponent("status.json")))
                .flatMap { try? JSONDecoder().decode(VFS.Status.self, from: $0) }
            for line in CacheListing.lines(mountpoint: cache.mountpoint, live: cache.isLive, entries: entries,
                                           status: status) {
                print(line)
            }
        }
    }
}

struct CacheEvictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evict", abstract: "Drop the cached bytes of files (a directory: every file below it).",
        discussion: "Sets user.sciencefs.evict=1 on each path. A pinned file is refused: unpin it first.")

    @Argument(help: "Files or directories in a mounted sciencefs mount.")
    var paths: [String]

    func run() throws {
        try CachePaths.apply(VFS.evictAttribute, "1", to: paths, done: "evicted", expand: false)
    }
}

/// The text `sciencefs cache` prints for one mount.
enum CacheListing {
    static func lines(mountpoint: String, live: Bool, entries: [CacheListingEntry], status: VFS.Status?) -> [String] {
        let held = entries.reduce(0) { $0 + $1.bytes }
        let pinned = entries.filter(\.pinned)
        var summary = "\(mountpoint)  (\(live ? "mounted" : "not mounted"))  \(entries.count) files, \(held) bytes"
        if let status {
            let lookups = status.dataCacheHits + status.dataCacheMisses
            summary += " of \(status.dataCacheCapacity)"
            summary += lookups == 0 ? ", hit rate n/a"
                : String(format: ", hit rate %.0f%% (%llu hits, %llu misses)",
                         100 * Double(status.dataCacheHits) / Double(lookups), status.dataCacheHits, status.dataCacheMisses)
        }
        summary += ", \(pinned.count) pinned"
        var lines = [summary]
        if entries.isEmpty { return lines + ["  the data cache is empty"] }
        lines.append("  PINNED        BYTES  PATH")
        for entry in entries {
            let bytes = String(entry.bytes)
            lines.append("  " + (entry.pinned ? "pinned" : "      ") + String(repeating: " ", count: max(1, 13 - bytes.count))
                         + bytes + "  " + mountpoint + "/" + entry.source + entry.path)
        }
        return lines
    }
}
