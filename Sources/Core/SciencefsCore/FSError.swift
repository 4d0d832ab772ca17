import Foundation

/// Every failure the VFS can report, typed. Backends throw these; the FUSE adapter turns them into
/// errno values through `errno` below — the one place where that mapping lives.
public enum FSError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound
    case permissionDenied
    /// The operation cannot be done on this filesystem at all (a symlink, a hard link, a chown to another user):
    /// POSIX's EPERM, as opposed to EACCES for a permission the caller lacks.
    case notPermitted
    /// A size past what the service or the staging disk can hold.
    case fileTooLarge
    case exists
    case notEmpty
    case notDirectory
    case isDirectory
    case quotaExceeded
    case noSpace
    case timedOut
    /// Data is not yet available (tape not staged); only reported to callers that asked not to block.
    case wouldBlock
    case unsupported
    case crossDevice
    /// The object is held for another purpose (a pinned file asked to be evicted).
    case busy
    case invalidArgument(String)
    case readOnly
    case nameTooLong
    /// The extended attribute does not exist.
    case noAttribute
    /// The caller's buffer is too small for the answer.
    case rangeTooSmall
    /// sciencefs itself stopped the operation (readahead for a closed file): not a failure, not logged.
    case cancelled
    /// A failure that has no better errno. Its cause chain is carried up to the FUSE boundary, which logs it once
    /// with the operation and the path (every EIO must explain itself in the log).
    case io(FailureCause)
    /// The bytes failed verification against the service's checksum (EIO). Logged once, where it was found, not
    /// again for every read it refuses.
    case corrupt(String)

    public var errno: Int32 {
        switch self {
        case .notFound: return ENOENT
        case .permissionDenied: return EACCES
        case .notPermitted: return EPERM
        case .fileTooLarge: return EFBIG
        case .exists: return EEXIST
        case .notEmpty: return ENOTEMPTY
        case .notDirectory: return ENOTDIR
        case .isDirectory: return EISDIR
        case .quotaExceeded: return EDQUOT
        case .noSpace: return ENOSPC
        case .timedOut: return ETIMEDOUT
        case .wouldBlock: return EAGAIN
        case .unsupported: return EOPNOTSUPP
        case .crossDevice: return EXDEV
        case .busy: return EBUSY
        case .cancelled: return ECANCELED
        case .invalidArgument: return EINVAL
        case .readOnly: return EROFS
        case .nameTooLong: return ENAMETOOLONG
        case .noAttribute: return ENODATA
        case .rangeTooSmall: return ERANGE
        case .io, .corrupt: return EIO
        }
    }

    public var description: String {
        switch self {
        case .invalidArgument(let why): return "invalid argument: \(why)"
        case .io(let why): return "I/O error: \(why)"
        case .corrupt(let why): return "corrupt data: \(why)"
        default: return String(cString: strerror(errno))
        }
    }

    /// Maps any error to an FSError; unknown errors become `.io` with their description.
    public static func from(_ error: Error) -> FSError {
        if let e = error as? FSError { return e }
        if let e = error as? CocoaError, e.code == .fileWriteOutOfSpace { return .noSpace }
        if let e = error as? POSIXError { return FSError.fromErrno(e.code.rawValue) }
        if let cause = error as? FailureCause { return .io(cause) }
        return .io(FailureCause(String(describing: error)))
    }

    /// The errno's symbolic name ("EIO", "ENOENT"), for log lines a person greps.
    public var errnoName: String {
        switch self {
        case .notFound: return "ENOENT"
        case .permissionDenied: return "EACCES"
        case .notPermitted: return "EPERM"
        case .fileTooLarge: return "EFBIG"
        case .exists: return "EEXIST"
        case .notEmpty: return "ENOTEMPTY"
        case .notDirectory: return "ENOTDIR"
        case .isDirectory: return "EISDIR"
        case .quotaExceeded: return "EDQUOT"
        case .noSpace: return "ENOSPC"
        case .timedOut: return "ETIMEDOUT"
        case .wouldBlock: return "EAGAIN"
        case .unsupported: return "EOPNOTSUPP"
        case .crossDevice: return "EXDEV"
        case .busy: return "EBUSY"
        case .cancelled: return "ECANCELED"
        case .invalidArgument: return "EINVAL"
        case .readOnly: return "EROFS"
        case .nameTooLong: return "ENAMETOOLONG"
        case .noAttribute: return "ENODATA"
        case .rangeTooSmall: return "ERANGE"
        case .io, .corrupt: return "EIO"
        }
    }

    /// An EIO whose whole cause is one message.
    public static func io(_ message: String) -> FSError { .io(FailureCause(message)) }

    /// This error, explained by what was being done when it happened: an EIO gains `context` as the outermost link
    /// of its cause chain; any other error is self-explanatory and is returned as it is.
    public func adding(context: String) -> FSError {
        if case .io(let cause) = self { return .io(cause.adding(context: context)) }
        return self
    }

    /// Whether the FUSE boundary logs this error as a failure (error level): EIO and ETIMEDOUT are unexplained to the
    /// caller, so the log must say why. `.corrupt` was already logged where the mismatch was found.
    public var isFailure: Bool {
        switch self {
        case .io, .timedOut: return true
        default: return false
        }
    }

    public static func fromErrno(_ code: Int32) -> FSError {
        switch code {
        case ENOENT: return .notFound
        case EACCES: return .permissionDenied
        case EPERM: return .notPermitted
        case EFBIG: return .fileTooLarge
        case EEXIST: return .exists
        case ENOTEMPTY: return .notEmpty
        case ENOTDIR: return .notDirectory
        case EISDIR: return .isDirectory
        case EDQUOT: return .quotaExceeded
        case ENOSPC: return .noSpace
        case ETIMEDOUT: return .timedOut
        case EAGAIN: return .wouldBlock
        case EOPNOTSUPP: return .unsupported
        case EXDEV: return .crossDevice
        case EINVAL: return .invalidArgument("errno \(code)")
        case EROFS: return .readOnly
        case ENAMETOOLONG: return .nameTooLong
        case ENODATA: return .noAttribute
        case ERANGE: return .rangeTooSmall
        default: return .io(FailureCause(String(cString: strerror(code))))
        }
    }
}
