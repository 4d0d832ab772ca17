import Foundation

/// One upload that runs while its file is written: the backend's `upload(streaming:to:)` on a thread of its own,
/// reading the `UploadStream` of a staged file, and its outcome for the `close()` that waits for it.
///
/// Started by the first write at offset 0 of an empty staged file with one writer; finished by `close()` (which seals
/// the stream and waits), or abandoned, after which the file is uploaded whole at close. Counted in `VFS.uploads`
/// while it runs, so an unmount waits for it.
///
/// `@unchecked Sendable` because `condition` guards `outcome`; `source` is thread-safe on its own. A leaf in the
/// lock order (see `VFS`).
final class StreamingUpload: @unchecked Sendable {
    let source: UploadStream
    private let path: RemotePath
    private let condition = NSCondition()
    private var outcome: Result<RemoteAttributes, Error>?

    init(staged: StagedFile) {
        source = UploadStream(staged: staged)
        path = staged.key.path
    }

    /// Starts the backend's upload on its own thread (not under any lock).
    func start(backend: Backend, uploads: UploadCoordinator) {
        uploads.begin()
        let thread = Thread { [self, path, source] in
            let result = Result(catching: { try backend.upload(streaming: source, to: path) })
            condition.lock()
            outcome = result
            condition.broadcast()
            condition.unlock()
            uploads.end()
        }
        thread.name = "sciencefs-upload"
        thread.start()
    }

    /// Blocks until the backend's upload returned: the server's attributes, or why it failed.
    func wait() -> Result<RemoteAttributes, Error> {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let outcome { return outcome }
            condition.wait()
        }
    }

    func abandon(_ why: String) { source.abandon(why) }

    var isAbandoned: Bool { source.isAbandoned }

    var abandonment: String? { source.reasonAbandoned }
}
