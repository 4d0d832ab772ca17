"""Process and host plumbing for the benchmark: the tools it needs, free ports, mount detection, and a registry
of everything started so that one `cleanup()` (run from a `finally`, also after Ctrl-C) undoes it in reverse order.

Children run in their own session, so Ctrl-C reaches only the benchmark, which then unmounts and stops them in
order instead of leaving a FUSE daemon killed under a live mount.
"""
import os
import shutil
import signal
import socket
import subprocess
import time

# Debian package → a file it installs that the benchmark needs.
PACKAGES = {
    "nginx-light": "/usr/sbin/nginx",
    "libnginx-mod-http-dav-ext": "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so",
    "rclone": "/usr/bin/rclone",
    "fio": "/usr/bin/fio",
    "curl": "/usr/bin/curl",
    "attr": "/usr/bin/getfattr",
    "fuse3": "/usr/bin/fusermount3",
    # The FUSE ceiling (ceiling.py) is compiled at each run.
    "gcc": "/usr/bin/gcc",
    "pkg-config": "/usr/bin/pkg-config",
    "libfuse3-dev": "/usr/include/fuse3/fuse.h",
}


def install_missing(log):
    missing = [pkg for pkg, path in PACKAGES.items() if not os.path.exists(path)]
    if not missing:
        return
    log(f"installing {' '.join(missing)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env, stdout=subprocess.DEVNULL)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_accepting(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _unescape_mountinfo(field):
    # /proc/self/mountinfo writes space, tab, newline and backslash as \ooo octal escapes.
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and len(field[i + 1:i + 4]) == 3 and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def is_mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(_unescape_mountinfo(line.split()[4]) == path for line in f)


def wait_for(predicate, timeout, what, process=None, log_path=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.05)
    detail = ""
    if log_path and os.path.exists(log_path):
        with open(log_path, errors="replace") as f:
            detail = "\n" + "".join(f.readlines()[-15:])
    state = f" (exited with {process.returncode})" if process is not None and process.poll() is not None else ""
    raise RuntimeError(f"{what} did not happen within {timeout} s{state}{detail}")


def unmount(path):
    """fusermount3 -u, retried while busy; a lazy unmount as the last resort."""
    for _ in range(50):
        if not is_mounted(path):
            return
        if subprocess.run(["fusermount3", "-u", path], stderr=subprocess.DEVNULL).returncode == 0:
            return
        time.sleep(0.2)
    subprocess.run(["fusermount3", "-uz", path], stderr=subprocess.DEVNULL)


def stop_process(process, grace=30):
    """Waits up to `grace` s for `process` to exit by itself, then SIGTERM, then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        process.wait(timeout=grace)
        return
    except subprocess.TimeoutExpired:
        pass
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Cleanup:
    """Undo actions, run last-registered first. `run()` is idempotent."""

    def __init__(self):
        self._actions = []

    def push(self, action):
        self._actions.append(action)
        return action

    def discard(self, action):
        if action in self._actions:
            self._actions.remove(action)

    def run(self):
        while self._actions:
            action = self._actions.pop()
            try:
                action()
            except Exception as error:  # keep undoing the rest
                print(f"cleanup: {error}", flush=True)


def spawn(args, log_path, cwd=None, env=None):
    """A child in its own session (so Ctrl-C reaches only us), output to `log_path`."""
    out = open(log_path, "ab")
    try:
        return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=cwd, env=env, start_new_session=True)
    finally:
        out.close()


def remove_tree(path):
    if os.path.lexists(path):
        shutil.rmtree(path, ignore_errors=True)


def cpu_ticks(pid):
    """utime + stime of `pid` in clock ticks (for waiting until a daemon is idle)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wait_idle(pid, quiet=0.3, timeout=30):
    """Returns once `pid` used no CPU for `quiet` seconds (background prefetch finished), or after `timeout`."""
    deadline = time.monotonic() + timeout
    last = cpu_ticks(pid)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = cpu_ticks(pid)
        if now == last:
            return
        last = now


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for {pid}")
