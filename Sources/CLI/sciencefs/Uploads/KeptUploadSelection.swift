import ArgumentParser
import Foundation
import SciencefsStore

/// Which kept uploads `retry` and `discard` act on, and of which mount.
struct KeptUploadSelection: ParsableArguments {
    @Flag(name: .long, help: "Every failed upload.")
    var all = false

    @Option(name: [.short, .long], help: "The mount (needed when several mounts keep uploads, or it is unmounted).")
    var mount: String?

    @Option(name: .long, help: "Config file, to find its cache directory.")
    var config: String?

    @Argument(help: "Upload IDs, as `sciencefs uploads` lists them.")
    var ids: [Int64] = []

    func validate() throws {
        if all == !ids.isEmpty { throw ValidationError("give upload IDs or --all") }
    }

    /// Runs `action` on every selected row, printing its outcome; exits non-zero if any failed.
    func apply(_ action: (MountCache, UploadRecord) throws -> String) throws {
        umask(0o077)
        let caches = MountCaches.find(mountpoint: mount, config: config)
        var chosen: [(MountCache, [UploadRecord])] = []
        for cache in caches {
            let rows = try cache.openStore().uploads(in: [.failed, .staged, .uploading])
            let selected = all ? rows.filter { $0.state == .failed } : rows.filter { ids.contains($0.id) }
            if !selected.isEmpty { chosen.append((cache, selected)) }
        }
        if !all && chosen.count > 1 {
            throw ValidationError("several mounts keep uploads with these IDs; name one with --mount MOUNTPOINT")
        }
        let found = Set(chosen.flatMap { $0.1.map(\.id) })
        let hint = mount == nil ? " (of an unmounted mount? name it with --mount MOUNTPOINT)" : ""
        var failures = ids.filter { !found.contains($0) }.map { "\($0): no such kept upload\(hint)" }
        if all && chosen.isEmpty { print("no failed uploads") }
        for (cache, records) in chosen {
            for record in records {
                do { print(try action(cache, record)) } catch { failures.append("\(record.id): \(error)") }
            }
        }
        if !failures.isEmpty {
            failures.forEach { FileHandle.standardError.write(Data("sciencefs uploads: \($0)\n".utf8)) }
            throw ExitCode.failure
        }
    }
}
