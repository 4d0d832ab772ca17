import CFuse
import Foundation
import SciencefsCore

/// Turns VFS attributes into the C structs libfuse replies with.
enum StatConversion {
    /// Preferred I/O size reported to tools: large enough that `cp` moves data in big requests.
    static let preferredBlockSize: Int = 1 << 20

    static func stat(_ a: FileAttributes) -> stat {
        var st = Glibc.stat()
        st.st_ino = UInt(a.ino)
        st.st_mode = (a.kind == .directory ? S_IFDIR : S_IFREG) | mode_t(a.permissions & 0o7777)
        st.st_nlink = nlink_t(a.nlink)
        st.st_uid = a.uid
        st.st_gid = a.gid
        st.st_size = off_t(clamping: a.size)
        st.st_blocks = blkcnt_t(clamping: a.blocks)
        st.st_blksize = blksize_t(preferredBlockSize)
        let time = timespec(a.modificationTime)
        st.st_mtim = time
        st.st_ctim = time
        st.st_atim = timespec(a.accessTime)
        return st
    }

    static func timespec(_ date: Date) -> Glibc.timespec {
        let seconds = date.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        return Glibc.timespec(tv_sec: Int(whole), tv_nsec: Int(((seconds - whole) * 1e9).rounded(.down)))
    }

    static func timespec(_ t: Timestamp) -> Glibc.timespec {
        Glibc.timespec(tv_sec: Int(t.seconds), tv_nsec: Int(t.nanoseconds))
    }

    static func timestamp(_ ts: Glibc.timespec) -> Timestamp {
        Timestamp(seconds: Int64(ts.tv_sec), nanoseconds: Int32(clamping: ts.tv_nsec))
    }

    static func date(_ ts: Glibc.timespec) -> Date {
        Date(timeIntervalSince1970: Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9)
    }

    static func entry(_ a: FileAttributes, timeouts: FuseTimeouts) -> fuse_entry_param {
        var e = fuse_entry_param()
        e.ino = a.ino
        e.generation = 1
        e.attr = stat(a)
        e.attr_timeout = a.isLive ? 0 : timeouts.attribute
        e.entry_timeout = timeouts.entry
        return e
    }
}

/// How long the kernel may trust what we tell it before asking again.
public struct FuseTimeouts: Sendable {
    public var entry: Double
    public var attribute: Double
    public init(entry: Double = 30, attribute: Double = 30) {
        self.entry = entry
        self.attribute = attribute
    }
}
