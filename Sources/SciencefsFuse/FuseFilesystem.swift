import CFuse
import Dispatch
import Foundation
import Logging
import SciencefsCore

/// What the libfuse callbacks reach through the session's userdata: the VFS plus per-mount adapter state.
final class FuseFilesystem: @unchecked Sendable {
    let vfs: VFS
    let logger: Logger
    let timeouts: FuseTimeouts
    let directories = DirectorySnapshots()
    /// Requests that may wait on the network run here, so a slow one never holds up the others.
    let work = DispatchQueue(label: "sciencefs.fuse.work", qos: .userInitiated, attributes: .concurrent)

    init(vfs: VFS, timeouts: FuseTimeouts, logger: Logger) {
        self.vfs = vfs
        self.timeouts = timeouts
        self.logger = logger
    }

    static func from(_ req: fuse_req_t?) -> FuseFilesystem {
        Unmanaged<FuseFilesystem>.fromOpaque(fuse_req_userdata(req)!).takeUnretainedValue()
    }

    /// Runs `body` on the work queue and replies with its error, if it throws, as an errno.
    func async(_ req: fuse_req_t?, _ operation: String, _ body: @escaping () throws -> Void) {
        let request = PendingRequest(req)
        let work = UncheckedWork(body)
        self.work.async {
            do {
                try work.body()
            } catch {
                self.replyError(request.raw, error, operation)
            }
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

/// A libfuse request handle travelling to the work queue. libfuse allows a reply from any thread, exactly once.
struct PendingRequest: @unchecked Sendable {
    let raw: fuse_req_t?
    init(_ raw: fuse_req_t?) { self.raw = raw }
}

/// A callback's work item; it captures only copied values and the request handle.
struct UncheckedWork: @unchecked Sendable {
    let body: () throws -> Void
    init(_ body: @escaping () throws -> Void) { self.body = body }
}
