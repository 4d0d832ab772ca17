import ArgumentParser
import Foundation
import SciencefsCore
import SciencefsStore

/// `sciencefs uploads`: the writes a mount accepted but the server has not confirmed (a refused upload keeps its
/// bytes in the mount's staging directory), with `retry` and `discard`, so nothing is lost and nothing is stuck.
struct UploadsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uploads",
        abstract: "List kept uploads (bytes the server has not accepted), and retry or discard them.",
        discussion: "A write whose upload the server refused keeps its bytes in the mount's cache. `sciencefs uploads "
            + "[MOUNTPOINT]` lists them; `retry` sends them again, `discard` deletes them. On a live mount both go "
            + "through the mount, so its listings show the outcome; on an unmounted one, `retry` sends the bytes at the "
            + "next mount.",
        subcommands: [UploadsListCommand.self, UploadsRetryCommand.self, UploadsDiscardCommand.self],
        defaultSubcommand: UploadsListCommand.self)
}

struct UploadsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List kept uploads (the default).")

    @Option(name: .long, help: "Config file, to find its cache directory.")
    var config: String?

    @Argument(help: "Only this mountpoint (needed once it is unmounted).")
    var mountpoint: String?

    func run() throws {
        umask(0o077) // opening the journal may create SQLite -wal/-shm files
        let caches = MountCaches.find(mountpoint: mountpoint, config: config)
        if caches.isEmpty {
            throw ValidationError(mountpoint.map { "no sciencefs cache for \(MountIdentity(mountpoint: $0).mountpoint)" }
                                  ?? "no sciencefs mounts (name an unmounted one: sciencefs uploads MOUNTPOINT)")
        }
        for cache in caches {
            let uploads = try cache.openStore().uploads(in: [.failed, .staged, .uploading])
            print("\(cache.mountpoint)  (\(cache.isLive ? "mounted" : "not mounted"))")
            if uploads.isEmpty {
                print("  no kept uploads")
                continue
            }
            print(KeptUploadLine.header)
            for upload in uploads { print(KeptUploadLine(upload, mountpoint: cache.mountpoint).text) }
        }
    }
}

struct UploadsRetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Send kept uploads again: ID... or --all (failed ones).")

    @OptionGroup var selection: KeptUploadSelection

    func run() throws {
        try selection.apply { cache, record in
            if cache.isLive {
                try MountControl.set(VFS.retryUploadAttribute, id: record.id, on: cache.mountpoint, record: record, cache: cache)
                return "retried \(record.id): \(KeptUploadLine.path(record, mountpoint: cache.mountpoint)) is on the server"
            }
            // No daemon: the next mount resumes rows in `.staged`, as after a crash, and its caches see the result.
            try cache.openStore().setUploadState(id: record.id, state: .staged, error: nil)
            return "\(record.id): \(cache.mountpoint) is not mounted; the upload will be sent when it is mounted again"
        }
    }
}

struct UploadsDiscardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discard", abstract: "Delete kept uploads' bytes: ID... or --all (failed ones).")

    @OptionGroup var selection: KeptUploadSelection

    func run() throws {
        try selection.apply { cache, record in
            if cache.isLive {
                try MountControl.set(VFS.discardUploadAttribute, id: record.id, on: cache.mountpoint, record: record, cache: cache)
            } else {
                try? FileManager.default.removeItem(atPath: record.stagingFile)
                try cache.openStore().removeUpload(id: record.id)
            }
            return "discarded \(record.id): \(KeptUploadLine.path(record, mountpoint: cache.mountpoint)) (the server's copy, if any, is unchanged)"
        }
    }
}

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
        var failures = ids.filter { !found.contains($0) }.map { "\($0): no such kept upload" }
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

/// One row of the listing: id, state, size of the kept bytes, when, full path in the mount, and the last error.
struct KeptUploadLine {
    let text: String

    init(_ record: UploadRecord, mountpoint: String) {
        var info = stat()
        let size = stat(record.stagingFile, &info) == 0 ? "\(info.st_size)" : "missing"
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let when = formatter.string(from: Date(timeIntervalSince1970: record.updatedAt))
        var text = Self.columns(String(record.id), record.state.rawValue, size, when, Self.path(record, mountpoint: mountpoint))
        if let error = record.error { text += "\n      error: \(error)" }
        self.text = text
    }

    static let header = columns("ID", "STATE", "BYTES", "WHEN (UTC)", "PATH")

    private static func columns(_ id: String, _ state: String, _ bytes: String, _ when: String, _ path: String) -> String {
        func left(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        let right = String(repeating: " ", count: max(0, 8 - bytes.count)) + bytes
        return "  \(left(id, 4)) \(left(state, 9)) \(right)  \(left(when, 19))  \(path)"
    }

    static func path(_ record: UploadRecord, mountpoint: String) -> String {
        mountpoint + "/" + record.source + record.path
    }
}

/// Asks a live mount's daemon to act on a kept upload through a control xattr on the mount root.
enum MountControl {
    static func set(_ name: String, id: Int64, on mountpoint: String, record: UploadRecord, cache: MountCache) throws {
        let value = String(id)
        guard systemSetxattr(mountpoint, name, value, value.utf8.count, 0) != 0 else { return }
        let code = errno
        switch code {
        case ENOENT: throw KeptUploadError("no such kept upload (already sent or discarded?)")
        case EAGAIN: throw KeptUploadError("not a failed upload: its file is still open, or its upload is running; try again later")
        case EEXIST: throw KeptUploadError("a later write of the same file is kept too; retry that one (and discard this)")
        default:
            // The daemon recorded why in the journal row; its words are more useful than the errno.
            let reason = (try? cache.openStore().upload(id: id))??.error ?? String(cString: strerror(code))
            throw KeptUploadError("the server refused it again (\(reason)); the bytes are still kept")
        }
    }
}

struct KeptUploadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
