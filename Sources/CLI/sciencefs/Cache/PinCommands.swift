import ArgumentParser
import Foundation
import SciencefsCore

/// `sciencefs pin PATH...`: fetch files whole into their mount's data cache and keep them there.
struct PinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin",
        abstract: "Keep files in the data cache: fetch them whole now, never evict them.",
        discussion: "Sets user.sciencefs.pin=1 on each file (a directory: on every file below it). Refused with "
            + "ENOSPC when the pinned files together would exceed data_cache_size_mb.")

    @Argument(help: "Files or directories in a sciencefs mount.")
    var paths: [String]

    func run() throws {
        try CachePaths.apply(VFS.pinAttribute, "1", to: paths, done: "pinned")
    }
}

/// `sciencefs unpin PATH...`: let LRU eviction take files again.
struct UnpinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpin", abstract: "Let the data cache evict pinned files again (their bytes stay until then).")

    @Argument(help: "Files or directories in a sciencefs mount.")
    var paths: [String]

    func run() throws {
        try CachePaths.apply(VFS.pinAttribute, "0", to: paths, done: "unpinned")
    }
}

enum CachePaths {
    /// Sets `name` on every file of `paths`, going on past failures; prints one line each, fails if any did.
    static func apply(_ name: String, _ value: String, to paths: [String], done: String, expand: Bool = true) throws {
        var failed = false
        for path in expand ? CacheControl.files(paths) : paths {
            do {
                try CacheControl.set(name, value, on: path)
                print("\(done) \(path)")
            } catch {
                failed = true
                FileHandle.standardError.write(Data("sciencefs: \(error)\n".utf8))
            }
        }
        if failed { throw ExitCode.failure }
    }
}
