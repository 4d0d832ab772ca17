"""The benchmark's data set, made once and kept between runs.

Everything the servers serve lives inside the demo's persistent state directory, in the Agave emulator's storage
for system `data.tacc.demo` (nginx serves the same directory as static files and as WebDAV):

    bench/seq/big-1GiB.bin           1 GiB of pseudo-random bytes (sequential, random, write and rclone rows)
    bench/par/part-N-256MiB.bin      8 × 256 MiB of pseudo-random bytes (parallel readers, time to first byte)
    bench/dir100k/                   100,000 empty files (daemon memory)
    bench/ns-N/dDDDD/fFFFF           a namespace of about N nodes, default 1,000,000 (daemon memory)
    bench/upload/, bench/upload-curl/  targets of the write row, emptied after every round

Random bytes come from /dev/urandom (a sparse or constant file would flatter any cache). Each item is built under
a temporary name and renamed when complete, so an interrupted run never leaves a truncated item that looks done.
"""
import math
import os
import shutil
import subprocess
import time

MIB = 1 << 20
BIG_SIZE = 1024 * MIB
PART_SIZE = 256 * MIB
PARTS = 8
DIR100K_FILES = 100_000


class DataSet:
    """Paths of the benchmark data under `root` (the persistent directory, default /var/tmp/sciencefs-bench)."""

    def __init__(self, root, namespace_nodes):
        self.root = root
        self.state = os.path.join(root, "state")
        self.storage = os.path.join(self.state, "agave", "systems", "data.tacc.demo")
        self.bench = os.path.join(self.storage, "bench")
        self.namespace_nodes = namespace_nodes
        # Square-ish: 1,000,000 nodes = 1,000 directories of 1,000 files (+ the directories themselves).
        self.namespace_dirs = max(1, round(math.sqrt(namespace_nodes)))
        self.namespace_files_per_dir = max(1, namespace_nodes // self.namespace_dirs)

    # Paths relative to the storage root, which is also the path under the mount's data.tacc.demo directory
    # and under nginx's /files/v2/media/system/data.tacc.demo/ and /dav/.
    big = "bench/seq/big-1GiB.bin"
    par_dir = "bench/par"
    dir100k = "bench/dir100k"
    upload_dir = "bench/upload"
    upload_curl_dir = "bench/upload-curl"
    many = "project/many"  # the demo's own 10,000-file directory

    @property
    def parts(self):
        return [f"{self.par_dir}/part-{i}-256MiB.bin" for i in range(PARTS)]

    @property
    def namespace(self):
        return f"bench/ns-{self.namespace_nodes}"

    @property
    def namespace_total_nodes(self):
        """Entries `find` prints for the namespace: its root, the directories and the files."""
        return 1 + self.namespace_dirs * (1 + self.namespace_files_per_dir)

    def local(self, rel):
        return os.path.join(self.storage, rel)

    def ensure(self, log):
        """Creates whatever is missing; returns the seconds spent creating."""
        started = time.monotonic()
        os.makedirs(self.bench, exist_ok=True)
        self._random_file(self.big, BIG_SIZE, log)
        for rel in self.parts:
            self._random_file(rel, PART_SIZE, log)
        self._tree(self.dir100k, 1, DIR100K_FILES, flat=True, log=log)
        self._tree(self.namespace, self.namespace_dirs, self.namespace_files_per_dir, flat=False, log=log)
        for rel in (self.upload_dir, self.upload_curl_dir):
            os.makedirs(self.local(rel), exist_ok=True)
            self.empty_dir(rel)
        return time.monotonic() - started

    def empty_dir(self, rel):
        """Deletes what a write round left behind (through the local file system, never through a mount)."""
        path = self.local(rel)
        for name in os.listdir(path):
            full = os.path.join(path, name)
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full)
            else:
                os.unlink(full)

    def _random_file(self, rel, size, log):
        path = self.local(rel)
        if os.path.exists(path) and os.path.getsize(path) == size:
            return
        os.makedirs(os.path.dirname(path), exist_ok=True)
        log(f"creating {rel} ({size // MIB} MiB of random bytes, once)")
        partial = path + ".partial"
        subprocess.run(["dd", "if=/dev/urandom", f"of={partial}", "bs=1M", f"count={size // MIB}",
                        "iflag=fullblock", "status=none"], check=True)
        os.rename(partial, path)

    def _tree(self, rel, dirs, files_per_dir, flat, log):
        path = self.local(rel)
        if os.path.isdir(path):
            return
        partial = path + ".partial"
        if os.path.exists(partial):
            shutil.rmtree(partial)
        log(f"creating {rel} ({dirs * files_per_dir:,} empty files, once)")
        for d in range(1 if flat else dirs):
            folder = partial if flat else os.path.join(partial, f"d{d:04d}")
            os.makedirs(folder)
            for f in range(files_per_dir):
                os.close(os.open(os.path.join(folder, f"f{f:06d}"), os.O_CREAT | os.O_WRONLY, 0o644))
        os.rename(partial, path)
