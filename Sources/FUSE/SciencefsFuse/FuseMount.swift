import CFuse
import Foundation
import Logging
import SciencefsCore

public enum FuseMountError: Error, CustomStringConvertible {
    case sessionCreationFailed
    case signalHandlersFailed

    public var description: String {
        switch self {
        case .sessionCreationFailed: return "libfuse could not create a session (bad mount options?)"
        case .signalHandlersFailed: return "could not install signal handlers"
        }
    }
}

/// A mounted libfuse low-level session over a VFS.
public final class FuseMount {
    public struct Options: Sendable {
        public var readOnly = false
        public var allowOther = false
        public var fsName = "sciencefs"
        public var timeouts = FuseTimeouts()
        /// libfuse worker threads at most; each request runs on one, start to reply (see `FuseFilesystem.perform`).
        public var maxThreads = 64
        /// The kernel's readahead for this mount in KiB (root only; 0 leaves the kernel's 128 KiB).
        public var kernelReadaheadKiB = 1024
        public init() {}
    }

    private let filesystem: FuseFilesystem
    private let options: Options
    private let logger: Logger

    public init(vfs: VFS, options: Options, logger: Logger) {
        self.filesystem = FuseFilesystem(vfs: vfs, timeouts: options.timeouts, logger: logger)
        self.options = options
        self.logger = logger
    }

    /// Mounts on `mountpoint`, calls `mounted` once the kernel accepted the mount, then serves requests until
    /// unmounted (`fusermount3 -u`) or signalled (SIGINT/SIGTERM/SIGHUP). Blocks for the mount's lifetime.
    /// A mount that cannot be made throws a `MountProblem` naming the cause and the fix.
    public func run(mountpoint: String, mounted: () -> Void) throws {
        // Bounds the memory held in per-thread malloc arenas (glibc's default allows 8 per core) with dozens of
        // worker and readahead threads. A precaution: the benchmark's memory row did not tell it apart from noise.
        _ = sciencefs_limit_malloc_arenas(4)
        var mountOptions = ["fsname=\(options.fsName)", "subtype=sciencefs", "default_permissions"]
        if options.readOnly { mountOptions.append("ro") }
        if options.allowOther { mountOptions.append("allow_other") }
        let arguments = ["sciencefs", "-o", mountOptions.joined(separator: ",")]
        var cArguments = arguments.map { strdup($0) }
        defer { cArguments.forEach { free($0) } }
        var ops = FuseOperations.table()
        let userdata = Unmanaged.passRetained(filesystem).toOpaque()
        defer { Unmanaged<FuseFilesystem>.fromOpaque(userdata).release() }

        let session: OpaquePointer? = cArguments.withUnsafeMutableBufferPointer { argv in
            var args = sciencefs_fuse_args_init(Int32(argv.count), argv.baseAddress)
            defer { fuse_opt_free_args(&args) }
            return fuse_session_new(&args, &ops, MemoryLayout<fuse_lowlevel_ops>.size, userdata)
        }
        guard let session else { throw FuseMountError.sessionCreationFailed }
        defer { fuse_session_destroy(session) }
        filesystem.serve(session)
        defer { filesystem.serve(nil) }
        filesystem.vfs.setKernelAttributeInvalidation { [filesystem] in filesystem.invalidateAttributes($0) }
        guard fuse_set_signal_handlers(session) == 0 else { throw FuseMountError.signalHandlersFailed }
        defer { fuse_remove_signal_handlers(session) }
        guard fuse_session_mount(session, mountpoint) == 0 else {
            throw MountPreflight.explain(mountpoint: mountpoint, allowOther: options.allowOther,
                                         detail: "libfuse could not mount it")
        }
        defer { fuse_session_unmount(session) }
        if KernelReadahead.apply(kibibytes: options.kernelReadaheadKiB, mountpoint: mountpoint, logger: logger) {
            filesystem.kernelReadahead = UInt32(options.kernelReadaheadKiB) * 1024
        }
        logger.info("mounted", metadata: ["mountpoint": "\(mountpoint)"])
        mounted()
        let rc = sciencefs_fuse_session_loop_mt(session, 0, 8, UInt32(options.maxThreads))
        logger.info("session ended", metadata: ["mountpoint": "\(mountpoint)", "rc": "\(rc)"])
    }
}
