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
        let caches = try MountCaches.require(mountpoint: mountpoint, config: config,
                                             unmountedHint: " (name an unmounted one: sciencefs uploads MOUNTPOINT)")
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
            let store = try cache.openStore()
            guard try store.laterUploads(than: record).isEmpty else {
                throw KeptUploadError("a later write of the same file is kept too; retry that one (and discard this)")
            }
            try store.setUploadState(id: record.id, state: .staged, error: nil)
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
