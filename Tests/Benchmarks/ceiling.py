"""The FUSE ceiling: the fastest any FUSE filesystem can read on this machine, measured in the same run.

A tiny C filesystem (libfuse 3 high-level API, multi-threaded) holds one file whose `read` only fills the buffer
with zeros: no network, no cache, no copy beyond the one every FUSE read needs. It is mounted with the kernel
readahead the sciencefs mount uses (1 MiB, raised through /sys/class/bdi like sciencefs does) and the same default
`max_read`, so the difference between it and a sciencefs read is what sciencefs itself costs.

The C source is written and compiled (gcc, pkg-config fuse3) into the benchmark's work directory at each run.
"""
import os
import subprocess

import benchenv

READAHEAD_KIB = 1024  # the sciencefs mount's kernel readahead (FuseMount.Options.kernelReadaheadKiB)

SOURCE = r"""
#define FUSE_USE_VERSION 31
#include <fuse.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static off_t file_size;
static const char *file_path = "/zero.bin";

static void *zero_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
    conn->max_readahead = READAHEAD_BYTES;
    cfg->kernel_cache = 0;
    return NULL;
}

static int zero_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
    (void)fi;
    memset(st, 0, sizeof *st);
    if (strcmp(path, "/") == 0) { st->st_mode = S_IFDIR | 0755; st->st_nlink = 2; return 0; }
    if (strcmp(path, file_path) == 0) { st->st_mode = S_IFREG | 0444; st->st_nlink = 1; st->st_size = file_size; return 0; }
    return -ENOENT;
}

static int zero_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                        enum fuse_readdir_flags flags) {
    (void)off; (void)fi; (void)flags;
    if (strcmp(path, "/") != 0) return -ENOENT;
    fill(buf, ".", NULL, 0, 0);
    fill(buf, "..", NULL, 0, 0);
    fill(buf, file_path + 1, NULL, 0, 0);
    return 0;
}

static int zero_open(const char *path, struct fuse_file_info *fi) {
    if (strcmp(path, file_path) != 0) return -ENOENT;
    if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EACCES;
    return 0;
}

static int zero_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
    (void)path; (void)fi;
    if (off >= file_size) return 0;
    if ((off_t)size > file_size - off) size = (size_t)(file_size - off);
    memset(buf, 0, size);
    return (int)size;
}

static const struct fuse_operations ops = {
    .init = zero_init, .getattr = zero_getattr, .readdir = zero_readdir, .open = zero_open, .read = zero_read,
};

int main(int argc, char *argv[]) {
    /* argv[1] is the file's size in bytes; the rest goes to libfuse. */
    if (argc < 3) return 2;
    file_size = strtoll(argv[1], NULL, 10);
    argv[1] = argv[0];
    return fuse_main(argc - 1, argv + 1, &ops, NULL);
}
"""


class ZeroFilesystem:
    """Compiles and mounts the zero-backed filesystem at W/zero-mnt; `path` is its one file of `size` bytes."""

    def __init__(self, work, size, cleanup):
        self.work, self.size, self.cleanup = work, size, cleanup
        self.mountpoint = os.path.join(work, "zero-mnt")
        self.binary = os.path.join(work, "zerofs")
        self.log_path = os.path.join(work, "zerofs.log")
        self.process = None
        self._undo = None
        os.makedirs(self.mountpoint, exist_ok=True)
        source = os.path.join(work, "zerofs.c")
        with open(source, "w") as f:
            f.write(SOURCE)
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "fuse3"], check=True, capture_output=True,
                               text=True).stdout.split()
        subprocess.run(["gcc", "-O2", f"-DREADAHEAD_BYTES={READAHEAD_KIB * 1024}", "-o", self.binary, source, *flags],
                       check=True)

    @property
    def path(self):
        return os.path.join(self.mountpoint, "zero.bin")

    def start(self):
        self.process = benchenv.spawn([self.binary, str(self.size), "-f", "-o", "ro,fsname=zerofs",
                                       self.mountpoint], self.log_path)
        self._undo = self.cleanup.push(self.stop)
        benchenv.wait_for(lambda: benchenv.is_mounted(self.mountpoint), 30, "the zero FUSE filesystem", self.process,
                          self.log_path)
        set_readahead(self.mountpoint, READAHEAD_KIB)

    def stop(self):
        if self.process is None:
            return
        benchenv.unmount(self.mountpoint)
        benchenv.stop_process(self.process, grace=15)
        self.cleanup.discard(self._undo)
        self.process = None


def set_readahead(mountpoint, kib):
    """The kernel readahead of the FUSE mount at `mountpoint`, as sciencefs's KernelReadahead sets its own."""
    device = os.stat(mountpoint).st_dev
    setting = f"/sys/class/bdi/{os.major(device)}:{os.minor(device)}/read_ahead_kb"
    with open(setting, "w") as f:
        f.write(str(kib))
