import CFuse
import Foundation
import Logging
import SciencefsCore

/// What the libfuse callbacks reach through the session's userdata: the VFS plus per-mount adapter state.
///
/// `@unchecked Sendable` with no lock: its one `var`, `kernelReadahead`, is written by the mounting thread before
/// the session serves requests and only read afterwards (in the FUSE `init` callback).
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
    ///
    /// `ino` (and `name`, for a request about a child) say what the request was about, for the log line of a failure.
    func perform(_ req: fuse_req_t?, _ operation: String, _ ino: UInt64, _ name: String? = nil,
                 _ body: @escaping () throws -> Void) {
        do {
            try body()
        } catch {
            replyError(req, error, operation, ino, name)
        }
    }

    /// Replies with the error's errno, and logs the failure: the one line it gets, wherever in the backend or the VFS
    /// it started (those layers only add what they were doing to the cause chain). An EIO or a timeout is an error
    /// with its whole cause; a refusal a caller could expect (EACCES, ENOSPC, EDQUOT...) is worth a notice; the answers
    /// tools ask for all the time (ENOENT, ENODATA, EAGAIN, ERANGE) are debug.
    func replyError(_ req: fuse_req_t?, _ error: Error, _ operation: String, _ ino: UInt64, _ name: String? = nil) {
        let fsError = FSError.from(error)
        // Logged before the reply, so the line is there when the program sees the errno (a user, or a test, who
        // looks at the log right after the failed call finds it).
        defer { fuse_reply_err(req, fsError.errno) }
        switch fsError {
        case .corrupt, .cancelled:
            return // logged where the mismatch was found; sciencefs stopped it itself
        case .notFound, .noAttribute, .wouldBlock, .rangeTooSmall:
            guard logger.logLevel <= .debug else { return }
            logger.debug("\(operation) failed", metadata: ["errno": "\(fsError.errnoName)", "path": "\(vfs.mountPath(of: ino, child: name))"])
        default:
            var metadata: Logger.Metadata = ["errno": "\(fsError.errnoName)", "path": "\(vfs.mountPath(of: ino, child: name))"]
            switch fsError {
            case .io(let cause):
                metadata["cause"] = "\(cause)"
                logger.error("\(operation) failed", metadata: metadata)
            case .timedOut:
                logger.error("\(operation) failed: the service did not answer in time", metadata: metadata)
            case .invalidArgument(let why):
                metadata["cause"] = "\(why)"
                logger.info("\(operation) refused", metadata: metadata)
            default:
                logger.info("\(operation) refused: \(fsError)", metadata: metadata)
            }
        }
    }

    static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }
}

