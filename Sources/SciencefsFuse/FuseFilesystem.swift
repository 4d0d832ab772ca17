import CFuse
import Foundation
import Logging
import SciencefsCore

/// What the libfuse callbacks reach through the session's userdata: the VFS plus per-mount adapter state.
final class FuseFilesystem: @unchecked Sendable {
    let vfs: VFS
    let logger: Logger
    let timeouts: FuseTimeouts
    let directories = DirectorySnapshots()
    /// Bytes of kernel readahead to ask for in the FUSE handshake; set (before requests are served) only when
    /// `KernelReadahead` could raise the mount's setting, else the kernel's offer stands.
    var kernelReadahead: UInt32 = 0
    private let sessionLock = NSLock()
    /// The libfuse session while it serves requests; guarded by `sessionLock`.
    private var session: OpaquePointer?

    init(vfs: VFS, timeouts: FuseTimeouts, logger: Logger) {
        self.vfs = vfs
        self.timeouts = timeouts
        self.logger = logger
    }

    /// Set when the session is created and cleared before it is destroyed.
    func serve(_ session: OpaquePointer?) {
        sessionLock.lock()
        self.session = session
        sessionLock.unlock()
    }

    /// Makes the kernel forget the attributes it keeps for `inodes` (only attributes: an offset of -1 leaves the
    /// page cache alone), after `user.sciencefs.refresh`. Safe inside a request's handler: the kernel takes no
    /// inode lock for it. An inode the kernel no longer holds is skipped (ENOENT).
    func invalidateAttributes(_ inodes: [UInt64]) {
        sessionLock.lock()
        defer { sessionLock.unlock() }
        guard let session else { return }
        for ino in inodes { _ = fuse_lowlevel_notify_inval_inode(session, fuse_ino_t(ino), -1, 0) }
    }

    static func from(_ req: fuse_req_t?) -> FuseFilesystem {
        Unmanaged<FuseFilesystem>.fromOpaque(fuse_req_userdata(req)!).takeUnretainedValue()
    }

    /// Runs `body` and replies with its error, if it throws, as an errno.
    ///
    /// It runs on the libfuse worker thread that received the request. libfuse's multi-threaded loop starts
    /// another worker whenever none is idle (up to `FuseMount.Options.maxThreads`), so a request waiting on the
    /// network never holds up the others; handing the work to a second pool of threads would only add two thread
    /// switches to every request (measured: `ls -l` of 10,000 cached entries went from 3.1 s to 1.7 s without
    /// them).
    func perform(_ req: fuse_req_t?, _ operation: String, _ body: @escaping () throws -> Void) {
        do {
            try body()
        } catch {
            replyError(req, error, operation)
        }
    }

    func replyError(_ req: fuse_req_t?, _ error: Error, _ operation: String) {
        let fsError = FSError.from(error)
        if case .io(let why) = fsError {
            logger.error("\(operation): EIO", metadata: ["reason": "\(why)"])
        }
        fuse_reply_err(req, fsError.errno)
    }

    static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }
}

