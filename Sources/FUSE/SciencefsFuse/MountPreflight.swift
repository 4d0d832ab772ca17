import Foundation

/// Checks, before anything is started, what a FUSE mount needs from the machine, so that a mount that cannot be
/// made fails with one `MountProblem` naming the cause and the fix, rather than with libfuse's bare
/// "fuse: failed to open /dev/fuse: Permission denied" after every service was contacted.
///
/// An ordinary user mounts as libfuse does it for them: mount(2) is refused, so libfuse runs the setuid
/// `fusermount3`, which opens /dev/fuse, checks the mountpoint and `/etc/fuse.conf`, and mounts. Root needs only
/// /dev/fuse and a usable mountpoint.
public enum MountPreflight {
    /// Where libfuse runs fusermount3 from first (Debian's FUSERMOUNT_DIR), before searching `$PATH`.
    static let fusermountDirectory = "/usr/bin"

    /// The first problem found, or nil when the mount should work.
    public static func problem(mountpoint: String, allowOther: Bool) -> MountProblem? {
        mountpointProblem(mountpoint) ?? deviceProblem() ?? privilegeProblem(allowOther: allowOther)
    }

    /// Explains a mount that failed: the first problem found now, or `.unexplained` with `detail`.
    public static func explain(mountpoint: String, allowOther: Bool, detail: String) -> MountProblem {
        problem(mountpoint: mountpoint, allowOther: allowOther) ?? .unexplained(mountpoint, detail: detail)
    }

    static func mountpointProblem(_ path: String) -> MountProblem? {
        // mountinfo first: it answers without touching a mount (a stat of a live FUSE mount asks its daemon).
        if let entry = MountInfo.entries().last(where: { $0.mountpoint == path }) {
            var info = stat()
            if entry.filesystemType.hasPrefix("fuse"), stat(path, &info) != 0, errno == ENOTCONN {
                return .staleMount(path)
            }
            return .alreadyMounted(path, filesystemType: entry.filesystemType)
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            return errno == ENOTCONN ? .staleMount(path) : .mountpointMissing(path)
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return .notADirectory(path) }
        if geteuid() != 0 {
            let stickyNotOurs = (info.st_mode & S_ISVTX) != 0 && info.st_uid != getuid()
            if access(path, W_OK) != 0 || stickyNotOurs { return .mountpointNotWritable(path) }
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        if !entries.isEmpty { return .notEmpty(path, entries: entries.count) }
        return nil
    }

    /// Opens /dev/fuse as libfuse will (read-write) and closes it again.
    static func deviceProblem() -> MountProblem? {
        let fd = open("/dev/fuse", O_RDWR | O_CLOEXEC)
        if fd >= 0 {
            close(fd)
            return nil
        }
        let why = errno
        var info = stat()
        guard stat("/dev/fuse", &info) == 0 else { return .deviceMissing }
        guard why == EACCES || why == EPERM else { return nil }  // e.g. ENODEV: let the mount call say it
        return .deviceDenied(mode: modeString(info.st_mode), owner: userName(info.st_uid), group: groupName(info.st_gid))
    }

    static func privilegeProblem(allowOther: Bool) -> MountProblem? {
        guard geteuid() != 0 else { return nil }
        guard let fusermount = fusermountPath() else { return .fusermountMissing }
        var info = stat()
        if stat(fusermount, &info) == 0, info.st_uid != 0 || (info.st_mode & S_ISUID) == 0 {
            return .fusermountNotSetuid(fusermount)
        }
        if allowOther && !fuseConfAllowsOther() { return .allowOtherNotPermitted }
        return nil
    }

    static func fusermountPath() -> String? {
        let directories = [fusermountDirectory]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        return directories.map { $0 + "/fusermount3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// fusermount3 reads `user_allow_other` as a line of its own (surrounding blanks allowed, `#` comments out).
    static func fuseConfAllowsOther() -> Bool {
        guard let text = try? String(contentsOfFile: "/etc/fuse.conf", encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == "user_allow_other" }
    }

    static func modeString(_ mode: mode_t) -> String {
        let bits: [(mode_t, Character)] = [(0o400, "r"), (0o200, "w"), (0o100, "x"), (0o040, "r"), (0o020, "w"),
                                           (0o010, "x"), (0o004, "r"), (0o002, "w"), (0o001, "x")]
        return String(format: "%04o ", mode & 0o7777) + String(bits.map { mode & $0.0 != 0 ? $0.1 : "-" })
    }

    static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return String(uid) }
        return String(cString: name)
    }

    static func groupName(_ gid: gid_t) -> String {
        guard let entry = getgrgid(gid), let name = entry.pointee.gr_name else { return String(gid) }
        return String(cString: name)
    }
}
