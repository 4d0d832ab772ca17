import Foundation

/// Why a mount cannot be made, worded for the person who typed the command: the cause, then the fix. Each case is
/// one message; a failed mount prints exactly one of them and exits non-zero.
public enum MountProblem: Error, Equatable, CustomStringConvertible {
    case mountpointMissing(String)
    case notADirectory(String)
    case notEmpty(String, entries: Int)
    /// Something (a live sciencefs, another filesystem) is already mounted there.
    case alreadyMounted(String, filesystemType: String)
    /// A FUSE mount whose daemon has ended: every access says "Transport endpoint is not connected".
    case staleMount(String)
    /// fusermount3 mounts only where the user may write (and, in a sticky directory, owns the mountpoint).
    case mountpointNotWritable(String)
    case deviceMissing
    /// /dev/fuse cannot be opened for reading and writing; `mode` and `group` describe it as found.
    case deviceDenied(mode: String, owner: String, group: String)
    case fusermountMissing
    case fusermountNotSetuid(String)
    case allowOtherNotPermitted
    /// Nothing found up front explains it; `detail` is what the mount call reported.
    case unexplained(String, detail: String)

    public var description: String {
        let user = MountPreflight.userName(getuid())
        switch self {
        case .mountpointMissing(let path):
            return "cannot mount on \(path): it does not exist. Fix: create it (mkdir -p \(path)) and mount again."
        case .notADirectory(let path):
            return "cannot mount on \(path): it is not a directory. Fix: mount on an empty directory."
        case .notEmpty(let path, let entries):
            return "cannot mount on \(path): it is not empty (\(entries) \(entries == 1 ? "entry" : "entries")), and the mount "
                + "would hide \(entries == 1 ? "it" : "them"). Fix: mount on an empty directory, or move its contents away."
        case .alreadyMounted(let path, let type) where type.hasPrefix("fuse.sciencefs"):
            return "cannot mount on \(path): a sciencefs mount is already there. Fix: use it, or unmount it first "
                + "(sciencefs unmount \(path))."
        case .alreadyMounted(let path, let type):
            return "cannot mount on \(path): it is busy, a \(type) filesystem is mounted there. Fix: unmount it first, "
                + "or choose another directory."
        case .staleMount(let path):
            return "cannot mount on \(path): a stale mount is there, whose process has ended (Transport endpoint "
                + "is not connected). Fix: fusermount3 -u \(path), then mount again."
        case .mountpointNotWritable(let path):
            var info = stat()
            let ours = stat(path, &info) == 0 && info.st_uid == getuid()
            return "cannot mount on \(path): you may not write to it, and fusermount3 mounts an ordinary user's "
                + "filesystem only where they may write. Fix: "
                + (ours ? "chmod u+w \(path)." : "mount on a directory of your own (e.g. mkdir ~/mnt).")
        case .deviceMissing:
            return "cannot mount: /dev/fuse does not exist. Fix: as root, load the fuse module (modprobe fuse); in a "
                + "container, pass the device in (docker run --device /dev/fuse)."
        case .deviceDenied(let mode, let owner, let group):
            let makeGroup = getgrnam("fuse") == nil ? "groupadd fuse; " : ""
            return "cannot mount: /dev/fuse is not readable and writable by you (mode \(mode), \(owner):\(group)). "
                + "Fix: as root, chmod 0666 /dev/fuse (the mode Debian's udev rule gives it); or, to keep other users "
                + "out, give it to a fuse group and join it (\(makeGroup)chgrp fuse /dev/fuse; chmod 0660 /dev/fuse; "
                + "adduser \(user) fuse; then log in again)."
        case .fusermountMissing:
            return "cannot mount: fusermount3 is not installed, and an ordinary user mounts through it. Fix: as root, "
                + "apt-get install fuse3."
        case .fusermountNotSetuid(let path):
            return "cannot mount: \(path) is not setuid root, so it cannot mount for an ordinary user. Fix: as root, "
                + "chmod u+s \(path) (or reinstall fuse3)."
        case .allowOtherNotPermitted:
            return "cannot mount with -o allow_other: /etc/fuse.conf does not contain user_allow_other. Fix: as root, "
                + "add a line user_allow_other to /etc/fuse.conf, or mount without allow_other."
        case .unexplained(let path, let detail):
            return "cannot mount on \(path): \(detail). Fix: check the messages above and `dmesg`; if a stale mount is "
                + "there, fusermount3 -u \(path)."
        }
    }
}
