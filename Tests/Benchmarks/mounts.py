"""The two mounts under test: a sciencefs mount with only an Agave source whose server is our nginx, and an rclone
mount of the same storage over WebDAV. Both run in the foreground as our children, so their PIDs are known (the
sciencefs daemon's peak RSS is read from /proc/PID/status) and stopping them is unmount, then wait for the PID.
"""
import os
import time

import benchenv
import servers


class ScienceMount:
    """`sciencefs mount -f --config W/bench.toml W/mnt`. `cold=True` empties the data and metadata cache first."""

    def __init__(self, binary, work, nginx, demo, cleanup):
        self.binary = binary
        self.mountpoint = os.path.join(work, "mnt")
        self.cache_root = os.path.join(work, "cache")
        self.config = os.path.join(work, "bench.toml")
        self.log_path = os.path.join(work, "sciencefs.log")
        self.cleanup = cleanup
        self.process = None
        self._undo = None
        os.makedirs(self.mountpoint, exist_ok=True)
        with open(os.open(self.config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(f"""# Written by Tests/Benchmarks/run: the emulated Agave behind nginx, nothing else.
cache_dir = "{self.cache_root}"

[sources.agave]
type = "agave"
base_url = "{nginx.base}"
api_key = "{demo.client_key}"
api_secret = "{demo.client_secret}"
username = "{demo.username}"
password = "{demo.password}"
credentials_file = "{os.path.join(work, 'no-agave-cli-credentials')}"
""")

    def path(self, rel=""):
        """A path under the mount's data.tacc.demo directory."""
        base = os.path.join(self.mountpoint, "agave", "systems", servers.SYSTEM)
        return os.path.join(base, rel) if rel else base

    @property
    def pid(self):
        return self.process.pid

    def start(self, cold):
        if self.process is not None:
            self.stop()
        if cold:
            benchenv.remove_tree(self.cache_root)
        started = time.monotonic()
        self.process = benchenv.spawn([self.binary, "mount", "-f", "--config", self.config, self.mountpoint],
                                      self.log_path)
        self._undo = self.cleanup.push(self.stop)
        benchenv.wait_for(lambda: benchenv.is_mounted(self.mountpoint), 60, "the sciencefs mount", self.process,
                          self.log_path)
        return time.monotonic() - started

    def stop(self):
        if self.process is None:
            return
        benchenv.unmount(self.mountpoint)
        benchenv.stop_process(self.process, grace=60)
        self.cleanup.discard(self._undo)
        self.process = None

    def data_cache_files(self):
        """Every regular file under the cache directory (to pull the cached data into the page cache)."""
        found = []
        for folder, _, names in os.walk(self.cache_root):
            found.extend(os.path.join(folder, name) for name in names)
        return found


class RcloneMount:
    """`rclone mount :webdav: W/rclone-mnt --webdav-url http://127.0.0.1:N/dav/ --read-only`, default VFS options."""

    def __init__(self, work, nginx, cleanup):
        self.mountpoint = os.path.join(work, "rclone-mnt")
        self.work = work
        self.url = nginx.base + "/dav/"
        self.log_path = os.path.join(work, "rclone.log")
        self.cleanup = cleanup
        self.process = None
        self._undo = None
        os.makedirs(self.mountpoint, exist_ok=True)

    def start(self):
        env = dict(os.environ, RCLONE_CONFIG=os.path.join(self.work, "rclone.conf"),
                   XDG_CACHE_HOME=os.path.join(self.work, "rclone-cache"))
        self.process = benchenv.spawn(["rclone", "mount", ":webdav:", self.mountpoint, "--webdav-url", self.url,
                                       "--read-only", "--cache-dir", os.path.join(self.work, "rclone-cache")],
                                      self.log_path, env=env)
        self._undo = self.cleanup.push(self.stop)
        benchenv.wait_for(lambda: benchenv.is_mounted(self.mountpoint), 60, "the rclone mount", self.process,
                          self.log_path)

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()  # rclone unmounts on SIGTERM
        benchenv.stop_process(self.process, grace=15)
        benchenv.unmount(self.mountpoint)
        benchenv.remove_tree(os.path.join(self.work, "rclone-cache"))
        self.cleanup.discard(self._undo)
        self.process = None

    def path(self, rel):
        return os.path.join(self.mountpoint, rel)
