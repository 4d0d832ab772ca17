import Foundation

/// The attributes the kernel sees for one inode (what `stat` shows).
public struct FileAttributes: Equatable, Sendable {
    public var ino: UInt64
    public var kind: NodeKind
    public var size: UInt64
    public var mtime: Date
    /// Permission bits only.
    public var permissions: UInt16
    public var uid: UInt32
    public var gid: UInt32
    /// The mtime to the nanosecond when a user set it (`touch -d`, `rsync -a`); `mtime` otherwise.
    public var exactMtime: Timestamp?
    /// The access time a user set; the mtime otherwise (reads do not update it: the mount behaves as `noatime`).
    public var atime: Timestamp?
    /// 0 for a file that was unlinked while still open.
    public var linkCount: UInt32?
    /// What sciencefs shows of itself (`.sciencefs/`, e.g. a job's state): it changes on its own, so the kernel must
    /// neither keep its attributes nor its bytes.
    public var isLive = false

    public init(ino: UInt64, kind: NodeKind, size: UInt64, mtime: Date, permissions: UInt16, uid: UInt32, gid: UInt32,
                exactMtime: Timestamp? = nil, atime: Timestamp? = nil) {
        self.ino = ino
        self.kind = kind
        self.size = size
        self.mtime = mtime
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.exactMtime = exactMtime
        self.atime = atime
    }

    public var nlink: UInt32 { linkCount ?? (kind == .directory ? 2 : 1) }
    public var modificationTime: Timestamp { exactMtime ?? Timestamp(mtime) }
    public var accessTime: Timestamp { atime ?? modificationTime }
    /// 512-byte blocks, rounded up. Reported truthfully: GNU cp skips copy_file_range for files with zero blocks.
    public var blocks: UInt64 { (size + 511) / 512 }
}

/// One row of a directory listing as handed to the kernel.
public struct DirectoryEntry: Sendable {
    public var name: String
    public var attributes: FileAttributes
}

/// Mount-wide identity and policy options.
public struct VFSOptions: Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public var readOnly: Bool
    /// Largest single range fetched by readahead.
    public var maxReadahead: UInt64
    /// First readahead window; doubled on each sequential read up to `maxReadahead`.
    public var initialReadahead: UInt64
    /// Background readahead ranges kept in flight ahead of a sequential reader (0 = none).
    public var prefetchDepth: Int = 4
    /// Bytes of background readahead that may be in flight at once across all open files (config key
    /// `readahead_budget_mb`; 0 = no background readahead). See `ReadaheadPool`.
    public var readaheadBudget: UInt64 = 256 << 20
    /// Each source's `offline` setting; a source not named here serves stale answers (`OfflineMode.serveStale`).
    public var offlineModes: [String: OfflineMode] = [:]

    public init(uid: UInt32 = getuid(), gid: UInt32 = getgid(), readOnly: Bool = false,
                maxReadahead: UInt64 = 16 << 20, initialReadahead: UInt64 = 1 << 20) {
        self.uid = uid
        self.gid = gid
        self.readOnly = readOnly
        self.maxReadahead = maxReadahead
        self.initialReadahead = initialReadahead
    }
}
