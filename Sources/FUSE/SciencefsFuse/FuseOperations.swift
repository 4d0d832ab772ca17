import CFuse
import Foundation
import SciencefsCore

/// The libfuse low-level operations table. Every callback is a non-capturing closure (libfuse calls it through a C
/// function pointer) that finds the filesystem through the request's userdata.
///
/// Strings and buffers handed to a callback belong to libfuse's request buffer and are reused when the callback
/// returns. Each request is answered on the libfuse worker thread that received it (`FuseFilesystem.perform`);
/// names and `fuse_file_info` fields are still copied into values before the work starts, so the work never
/// depends on libfuse's buffers.
enum FuseOperations {
    static func table() -> fuse_lowlevel_ops {
        var ops = fuse_lowlevel_ops()
        ops.`init` = { userdata, conn in
            guard let conn else { return }
            if let userdata {
                let fs = Unmanaged<FuseFilesystem>.fromOpaque(userdata).takeUnretainedValue()
                conn.pointee.max_readahead = max(conn.pointee.max_readahead, fs.kernelReadahead)
            }
            if conn.pointee.capable & UInt32(FUSE_CAP_READDIRPLUS) != 0 {
                conn.pointee.want |= UInt32(FUSE_CAP_READDIRPLUS)
            }
            // Always readdirplus: a listing answers every entry's attributes at once.
            conn.pointee.want &= ~UInt32(FUSE_CAP_READDIRPLUS_AUTO)
            if conn.pointee.capable & UInt32(FUSE_CAP_ASYNC_READ) != 0 {
                conn.pointee.want |= UInt32(FUSE_CAP_ASYNC_READ)
            }
        }
        ops.lookup = { req, parent, name in
            let fs = FuseFilesystem.from(req)
            let name = FuseFilesystem.string(name)
            fs.perform(req, "lookup", parent, name) {
                let attrs = try fs.vfs.lookup(parent: parent, name: name)
                var e = StatConversion.entry(attrs, timeouts: fs.timeouts)
                if fuse_reply_entry(req, &e) != 0 { fs.vfs.forget(attrs.ino, count: 1) }
            }
        }
        ops.forget = { req, ino, count in
            FuseFilesystem.from(req).vfs.forget(ino, count: count)
            fuse_reply_none(req)
        }
        ops.forget_multi = { req, count, forgets in
            let fs = FuseFilesystem.from(req)
            if let forgets {
                for i in 0..<count { fs.vfs.forget(forgets[i].ino, count: forgets[i].nlookup) }
            }
            fuse_reply_none(req)
        }
        ops.getattr = { req, ino, _ in
            let fs = FuseFilesystem.from(req)
            fs.perform(req, "getattr", ino) {
                let attrs = try fs.vfs.getattr(ino)
                var st = StatConversion.stat(attrs)
                fuse_reply_attr(req, &st, attrs.isLive ? 0 : fs.timeouts.attribute)
            }
        }
        ops.setattr = { req, ino, attr, toSet, fi in
            let fs = FuseFilesystem.from(req)
            guard let attr else { fuse_reply_err(req, EINVAL); return }
            let handle = fi?.pointee.fh
            let set = Int32(toSet)
            let size = set & FUSE_SET_ATTR_SIZE != 0 ? UInt64(max(0, attr.pointee.st_size)) : nil
            var mtime: Timestamp? = nil
            if set & FUSE_SET_ATTR_MTIME_NOW != 0 { mtime = Timestamp(Date()) }
            else if set & FUSE_SET_ATTR_MTIME != 0 { mtime = StatConversion.timestamp(attr.pointee.st_mtim) }
            var atime: Timestamp? = nil
            if set & FUSE_SET_ATTR_ATIME_NOW != 0 { atime = Timestamp(Date()) }
            else if set & FUSE_SET_ATTR_ATIME != 0 { atime = StatConversion.timestamp(attr.pointee.st_atim) }
            let mode = set & FUSE_SET_ATTR_MODE != 0 ? UInt16(attr.pointee.st_mode & 0o7777) : nil
            let uid = set & FUSE_SET_ATTR_UID != 0 ? attr.pointee.st_uid : nil
            let gid = set & FUSE_SET_ATTR_GID != 0 ? attr.pointee.st_gid : nil
            fs.perform(req, "setattr", ino) {
                let attrs = try fs.vfs.setattr(ino, handle: handle, size: size, mtime: mtime, atime: atime,
                                               permissions: mode, uid: uid, gid: gid)
                var st = StatConversion.stat(attrs)
                fuse_reply_attr(req, &st, fs.timeouts.attribute)
            }
        }
        ops.opendir = { req, ino, fi in
            let fs = FuseFilesystem.from(req)
            guard let fi else { fuse_reply_err(req, EINVAL); return }
            var info = fi.pointee
            fs.perform(req, "opendir", ino) {
                let entries = try fs.vfs.readdir(ino)
                info.fh = fs.directories.add(entries)
                if fuse_reply_open(req, &info) != 0 { fs.directories.remove(info.fh) }
            }
        }
        ops.readdir = { req, ino, size, offset, fi in
            let fs = FuseFilesystem.from(req)
            let handle = fi?.pointee.fh ?? 0
            fs.perform(req, "readdir", ino) { try DirectoryReplies.reply(req, fs: fs, ino: ino, handle: handle, size: size, offset: offset, plus: false) }
        }
        ops.readdirplus = { req, ino, size, offset, fi in
            let fs = FuseFilesystem.from(req)
            let handle = fi?.pointee.fh ?? 0
            fs.perform(req, "readdirplus", ino) { try DirectoryReplies.reply(req, fs: fs, ino: ino, handle: handle, size: size, offset: offset, plus: true) }
        }
        ops.releasedir = { req, _, fi in
            let fs = FuseFilesystem.from(req)
            if let fi { fs.directories.remove(fi.pointee.fh) }
            fuse_reply_err(req, 0)
        }
        ops.open = { req, ino, fi in
            let fs = FuseFilesystem.from(req)
            guard let fi else { fuse_reply_err(req, EINVAL); return }
            var info = fi.pointee
            fs.perform(req, "open", ino) {
                info.fh = try fs.vfs.open(ino, flags: VFS.OpenFlags(rawValue: info.flags))
                // `.sciencefs/` files (a job's state) change on their own: read past the page cache.
                if fs.vfs.isLive(ino) { info.direct_io = 1 } else { info.keep_cache = 1 }
                if fuse_reply_open(req, &info) != 0 { fs.vfs.release(handle: info.fh) }
            }
        }
        ops.create = { req, parent, name, mode, fi in
            let fs = FuseFilesystem.from(req)
            guard let fi else { fuse_reply_err(req, EINVAL); return }
            let name = FuseFilesystem.string(name)
            var info = fi.pointee
            fs.perform(req, "create", parent, name) {
                let created = try fs.vfs.create(parent: parent, name: name, permissions: UInt16(mode & 0o7777),
                                                flags: VFS.OpenFlags(rawValue: info.flags))
                info.fh = created.handle
                var e = StatConversion.entry(created.attributes, timeouts: fs.timeouts)
                if fuse_reply_create(req, &e, &info) != 0 {
                    fs.vfs.release(handle: info.fh)
                    fs.vfs.forget(created.attributes.ino, count: 1)
                }
            }
        }
        ops.read = { req, ino, size, offset, fi in
            let fs = FuseFilesystem.from(req)
            let handle = fi?.pointee.fh ?? 0
            fs.perform(req, "read", ino) {
                // The bytes are ready in the cache file (read into this thread's reply buffer) or in memory, just
                // received (replied from where they lie, without a copy into a buffer of ours).
                switch try fs.vfs.readyBytes(handle: handle, offset: UInt64(max(0, offset)), length: size) {
                case .file(let region)?:
                    FileRegionReply.reply(req, descriptor: region.descriptor, offset: region.offset, length: region.length)
                    return
                case .memory(let landed)?:
                    landed.withUnsafeBytes { bytes in
                        _ = fuse_reply_buf(req, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
                    }
                    return
                case nil:
                    break
                }
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
                defer { buffer.deallocate() }
                let n = try fs.vfs.read(handle: handle, offset: UInt64(max(0, offset)),
                                        into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size]))
                fuse_reply_buf(req, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), n)
            }
        }
        // Writes go to a local staging file: fast, so done inline without copying libfuse's buffer.
        ops.write = { req, ino, buf, size, offset, fi in
            let fs = FuseFilesystem.from(req)
            do {
                let n = try fs.vfs.write(handle: fi?.pointee.fh ?? 0, offset: UInt64(max(0, offset)),
                                         bytes: UnsafeRawBufferPointer(start: buf, count: size))
                fuse_reply_write(req, n)
            } catch {
                fs.replyError(req, error, "write", ino)
            }
        }
        ops.flush = { req, ino, fi in
            let fs = FuseFilesystem.from(req)
            let handle = fi?.pointee.fh ?? 0
            fs.perform(req, "flush", ino) {
                try fs.vfs.flush(handle: handle)
                fuse_reply_err(req, 0)
            }
        }
        ops.fsync = { req, ino, _, fi in
            let fs = FuseFilesystem.from(req)
            let handle = fi?.pointee.fh ?? 0
            fs.perform(req, "fsync", ino) {
                try fs.vfs.flush(handle: handle)
                fuse_reply_err(req, 0)
            }
        }
        ops.release = { req, ino, fi in
            let fs = FuseFilesystem.from(req)
            let handle = fi?.pointee.fh ?? 0
            fs.perform(req, "release", ino) {
                fs.vfs.release(handle: handle)
                fuse_reply_err(req, 0)
            }
        }
        ops.mkdir = { req, parent, name, _ in
            let fs = FuseFilesystem.from(req)
            let name = FuseFilesystem.string(name)
            fs.perform(req, "mkdir", parent, name) {
                var e = StatConversion.entry(try fs.vfs.mkdir(parent: parent, name: name), timeouts: fs.timeouts)
                if fuse_reply_entry(req, &e) != 0 { fs.vfs.forget(e.ino, count: 1) }
            }
        }
        ops.unlink = { req, parent, name in
            let fs = FuseFilesystem.from(req)
            let name = FuseFilesystem.string(name)
            fs.perform(req, "unlink", parent, name) {
                try fs.vfs.unlink(parent: parent, name: name)
                fuse_reply_err(req, 0)
            }
        }
        ops.rmdir = { req, parent, name in
            let fs = FuseFilesystem.from(req)
            let name = FuseFilesystem.string(name)
            fs.perform(req, "rmdir", parent, name) {
                try fs.vfs.rmdir(parent: parent, name: name)
                fuse_reply_err(req, 0)
            }
        }
        ops.rename = { req, parent, name, newParent, newName, flags in
            let fs = FuseFilesystem.from(req)
            let name = FuseFilesystem.string(name)
            let newName = FuseFilesystem.string(newName)
            fs.perform(req, "rename", parent, name) {
                try fs.vfs.rename(parent: parent, name: name, newParent: newParent, newName: newName,
                                  flags: VFS.RenameFlags(rawValue: flags))
                fuse_reply_err(req, 0)
            }
        }
        // Operations the services cannot store: answered (EPERM, EOPNOTSUPP) rather than left out, because libfuse
        // answers a missing one with ENOSYS, which the kernel then remembers for the whole mount.
        ops.symlink = { req, _, parent, name in
            let fs = FuseFilesystem.from(req)
            let name = FuseFilesystem.string(name)
            fs.perform(req, "symlink", parent, name) { try fs.vfs.refuseLinkOrNode("symlink", parent: parent, name: name) }
        }
        ops.link = { req, _, newParent, newName in
            let fs = FuseFilesystem.from(req)
            let name = FuseFilesystem.string(newName)
            fs.perform(req, "link", newParent, name) { try fs.vfs.refuseLinkOrNode("link", parent: newParent, name: name) }
        }
        ops.mknod = { req, parent, name, mode, _ in
            let fs = FuseFilesystem.from(req)
            let name = FuseFilesystem.string(name)
            fs.perform(req, "mknod", parent, name) {
                guard mode & S_IFMT == S_IFREG else { try fs.vfs.refuseLinkOrNode("mknod", parent: parent, name: name) }
                // A regular file made by mknod(2): an empty file, created and uploaded as `touch` would.
                let created = try fs.vfs.create(parent: parent, name: name, permissions: UInt16(mode & 0o7777),
                                                flags: VFS.OpenFlags(rawValue: O_WRONLY | O_CREAT | O_EXCL))
                defer { fs.vfs.release(handle: created.handle) }
                try fs.vfs.flush(handle: created.handle)
                var e = StatConversion.entry(try fs.vfs.getattr(created.attributes.ino), timeouts: fs.timeouts)
                if fuse_reply_entry(req, &e) != 0 { fs.vfs.forget(e.ino, count: 1) }
            }
        }
        ops.fallocate = { req, _, _, _, _, _ in
            // glibc's posix_fallocate falls back to writing when the filesystem says EOPNOTSUPP.
            fuse_reply_err(req, EOPNOTSUPP)
        }
        ops.fsyncdir = { req, _, _, _ in
            // Directory changes are made on the server at once: nothing is pending.
            fuse_reply_err(req, 0)
        }
        ops.removexattr = { req, ino, name in
            let fs = FuseFilesystem.from(req)
            let name = FuseFilesystem.string(name)
            fs.perform(req, "removexattr", ino) { try fs.vfs.removexattr(ino, name: name); fuse_reply_err(req, 0) }
        }
        ops.statfs = { req, _ in
            let stats = FuseFilesystem.from(req).vfs.statfs()
            var st = statvfs()
            st.f_bsize = UInt(stats.blockSize)
            st.f_frsize = UInt(stats.blockSize)
            st.f_blocks = fsblkcnt_t(stats.totalBlocks)
            st.f_bfree = fsblkcnt_t(stats.freeBlocks)
            st.f_bavail = fsblkcnt_t(stats.freeBlocks)
            st.f_files = fsfilcnt_t(stats.totalFiles)
            st.f_ffree = fsfilcnt_t(stats.freeFiles)
            st.f_favail = fsfilcnt_t(stats.freeFiles)
            st.f_namemax = UInt(stats.nameMax)
            fuse_reply_statfs(req, &st)
        }
        ops.getxattr = { req, ino, name, size in
            let fs = FuseFilesystem.from(req)
            let name = FuseFilesystem.string(name)
            fs.perform(req, "getxattr", ino) {
                let value = try fs.vfs.getxattr(ino, name: name)
                XattrReplies.reply(req, bytes: value, size: size)
            }
        }
        ops.listxattr = { req, ino, size in
            let fs = FuseFilesystem.from(req)
            fs.perform(req, "listxattr", ino) {
                var bytes: [UInt8] = []
                for name in try fs.vfs.listxattr(ino) { bytes += Array(name.utf8) + [0] }
                XattrReplies.reply(req, bytes: bytes, size: size)
            }
        }
        ops.setxattr = { req, ino, name, value, size, _ in
            let fs = FuseFilesystem.from(req)
            let name = FuseFilesystem.string(name)
            let bytes: [UInt8] = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            fs.perform(req, "setxattr", ino) {
                try fs.vfs.setxattr(ino, name: name, value: bytes)
                fuse_reply_err(req, 0)
            }
        }
        ops.copy_file_range = { req, _, offIn, fiIn, inoOut, offOut, fiOut, length, _ in
            let fs = FuseFilesystem.from(req)
            let handleIn = fiIn?.pointee.fh ?? 0
            let handleOut = fiOut?.pointee.fh ?? 0
            fs.perform(req, "copy_file_range", inoOut) {
                let n = try fs.vfs.copyFileRange(from: handleIn, offsetIn: UInt64(max(0, offIn)), to: handleOut,
                                                 offsetOut: UInt64(max(0, offOut)), length: UInt64(length))
                fuse_reply_write(req, Int(n))
            }
        }
        return ops
    }
}

enum XattrReplies {
    /// size 0 asks for the length; a smaller buffer than needed is ERANGE.
    static func reply(_ req: fuse_req_t?, bytes: [UInt8], size: Int) {
        if size == 0 {
            fuse_reply_xattr(req, bytes.count)
        } else if size < bytes.count {
            fuse_reply_err(req, ERANGE)
        } else {
            _ = bytes.withUnsafeBufferPointer { buf in
                fuse_reply_buf(req, UnsafeRawPointer(buf.baseAddress)?.assumingMemoryBound(to: CChar.self), bytes.count)
            }
        }
    }
}

enum DirectoryReplies {
    /// Fills one readdir(plus) reply from the snapshot taken at opendir. Offsets: 1 = after ".", 2 = after "..",
    /// 2+i+1 = after entry i. Every entry put in a readdirplus reply, except the dots, counts one lookup.
    static func reply(_ req: fuse_req_t?, fs: FuseFilesystem, ino: UInt64, handle: UInt64, size: Int, offset: off_t,
                      plus: Bool) throws {
        guard let entries = fs.directories.get(handle) else { throw FSError.invalidArgument("directory not open") }
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(size, 1))
        defer { buffer.deallocate() }
        var used = 0
        var index = Int(offset)
        let total = entries.count + 2
        let selfAttrs = try? fs.vfs.getattr(ino)
        while index < total {
            let name: String
            var attrs: FileAttributes
            let isDot = index < 2
            if isDot {
                name = index == 0 ? "." : ".."
                attrs = selfAttrs ?? FileAttributes(ino: ino, kind: .directory, size: 0, mtime: Date(),
                                                    permissions: 0o755, uid: 0, gid: 0)
                if index == 1 { attrs.ino = 0 }
            } else {
                let entry = entries[index - 2]
                name = entry.name
                attrs = entry.attributes
            }
            let remaining = size - used
            let needed: Int = name.withCString { cName in
                if plus {
                    var e = StatConversion.entry(attrs, timeouts: fs.timeouts)
                    if isDot { e.ino = 0 }
                    return fuse_add_direntry_plus(req, buffer + used, remaining, cName, &e, off_t(index + 1))
                } else {
                    var st = StatConversion.stat(attrs)
                    return fuse_add_direntry(req, buffer + used, remaining, cName, &st, off_t(index + 1))
                }
            }
            if needed > remaining { break }
            if plus && !isDot { fs.vfs.retain(attrs.ino) }
            used += needed
            index += 1
        }
        fuse_reply_buf(req, buffer, used)
    }
}
