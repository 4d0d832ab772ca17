"""The servers the benchmark reads from: the Agave emulator (inside `sciencefs-demo`) and one nginx in front of it.

nginx serves the emulator's storage directory for `data.tacc.demo` as static files under Agave's media URL (GET
and HEAD; Range works) and as read-only WebDAV under /dav/ for rclone; everything else (token, listings,
uploads) is proxied to the emulator, streaming request bodies without a size limit. Its access log, one line per
request, is how the benchmark counts the requests and bytes a mount makes.
"""
import base64
import json
import os
import subprocess
import time
import tomllib
import urllib.parse
import urllib.request

import benchenv

SYSTEM = "data.tacc.demo"
MEDIA_PREFIX = f"/files/v2/media/system/{SYSTEM}/"
DAV_MODULE = "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so"


class Demo:
    """`sciencefs-demo --state STATE --port P MNT`: the emulators plus a demo mount we do not use.

    `demo_binary` mounts with the `sciencefs` beside it. Unmounting its mountpoint makes it stop the emulators and
    exit."""

    def __init__(self, demo_binary, state, work, cleanup, log):
        self.mountpoint = os.path.join(work, "demo-mnt")
        os.makedirs(self.mountpoint, exist_ok=True)
        self.port = benchenv.free_port()
        self.log_path = os.path.join(work, "demo.log")
        started = time.monotonic()
        self.process = benchenv.spawn([demo_binary, "--state", state, "--port", str(self.port), self.mountpoint],
                                      self.log_path)
        cleanup.push(self.stop)
        benchenv.wait_for(lambda: benchenv.is_mounted(self.mountpoint) and benchenv.is_accepting(self.port), 300,
                          "the demo mount", self.process, self.log_path)
        log(f"demo (emulated Agave on port {self.port}, pid {self.process.pid}) up in {time.monotonic() - started:.1f} s")
        with open(os.path.join(state, "config.toml"), "rb") as f:
            agave = tomllib.load(f)["sources"]["agave"]
        self.client_key, self.client_secret = agave["api_key"], agave["api_secret"]
        self.username, self.password = agave["username"], agave["password"]

    def stop(self):
        benchenv.unmount(self.mountpoint)
        benchenv.stop_process(self.process, grace=30)


class AccessLog:
    """nginx's access log, read from a remembered offset: `mark()` then `since(mark)`."""

    def __init__(self, path):
        self.path = path

    def mark(self):
        return os.path.getsize(self.path) if os.path.exists(self.path) else 0

    def since(self, offset):
        if not os.path.exists(self.path):
            return []
        with open(self.path, "rb") as f:
            f.seek(offset)
            data = f.read().decode("utf-8", "replace")
        entries = []
        for line in data.splitlines():
            # format "bench": msec method status body_bytes_sent request_time request_uri
            parts = line.split(" ", 5)
            if len(parts) == 6:
                entries.append({"time": float(parts[0]), "method": parts[1], "status": int(parts[2]),
                                "bytes": int(parts[3]), "duration": float(parts[4]), "uri": parts[5]})
        return entries


class Nginx:
    def __init__(self, work, storage, upstream_port, cleanup, log):
        self.prefix = os.path.join(work, "nginx")
        for sub in ("temp/body", "temp/proxy", "temp/fastcgi", "temp/uwsgi", "temp/scgi", "logs"):
            os.makedirs(os.path.join(self.prefix, sub), exist_ok=True)
        self.access = AccessLog(os.path.join(self.prefix, "logs", "access.log"))
        self.error_log = os.path.join(self.prefix, "logs", "error.log")
        last_error = ""
        for _ in range(5):
            self.port = benchenv.free_port()
            conf = os.path.join(self.prefix, "nginx.conf")
            with open(conf, "w") as f:
                f.write(self._configuration(storage, upstream_port))
            self.process = benchenv.spawn(["/usr/sbin/nginx", "-p", self.prefix + "/", "-c", conf, "-e", self.error_log],
                                          os.path.join(self.prefix, "logs", "stdout.log"))
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and self.process.poll() is None and not benchenv.is_accepting(self.port):
                time.sleep(0.02)
            if self.process.poll() is None and benchenv.is_accepting(self.port):
                cleanup.push(self.stop)
                log(f"nginx on port {self.port} (pid {self.process.pid})")
                return
            self.stop()
            with open(self.error_log, errors="replace") as f:
                last_error = f.read()
            if "Address already in use" not in last_error:
                break
        raise RuntimeError(f"nginx did not start:\n{last_error}")

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def media_url(self, rel):
        return self.base + MEDIA_PREFIX + urllib.parse.quote(rel)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
        benchenv.stop_process(self.process, grace=10)

    def _configuration(self, storage, upstream_port):
        p = self.prefix
        return f"""# Written by Tests/Benchmarks/run.
load_module {DAV_MODULE};
daemon off;
master_process off;
worker_processes 1;
pid {p}/nginx.pid;
error_log {self.error_log} warn;
events {{ worker_connections 1024; }}
http {{
    log_format bench '$msec $request_method $status $body_bytes_sent $request_time $request_uri';
    access_log {p}/logs/access.log bench;
    client_body_temp_path {p}/temp/body;
    proxy_temp_path {p}/temp/proxy;
    fastcgi_temp_path {p}/temp/fastcgi;
    uwsgi_temp_path {p}/temp/uwsgi;
    scgi_temp_path {p}/temp/scgi;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    upstream agave {{
        server 127.0.0.1:{upstream_port};
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        client_max_body_size 0;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_request_buffering off;
        proxy_buffering off;
        proxy_read_timeout 600s;
        proxy_send_timeout 600s;

        # Downloads straight from the storage directory; anything else (uploads, manage) goes to the emulator.
        location {MEDIA_PREFIX} {{
            if ($request_method !~ ^(GET|HEAD)$) {{
                proxy_pass http://agave;
            }}
            alias {storage}/;
        }}
        # The same directory over WebDAV (read-only), for rclone.
        location /dav/ {{
            alias {storage}/;
            dav_ext_methods PROPFIND OPTIONS;
            limit_except GET HEAD PROPFIND OPTIONS {{ deny all; }}
        }}
        location / {{
            proxy_pass http://agave;
        }}
    }}
}}
"""


def fetch_token(base, demo):
    """An access token from the emulator's /token (password grant), through nginx."""
    form = urllib.parse.urlencode({"grant_type": "password", "username": demo.username, "password": demo.password,
                                   "scope": "PRODUCTION"}).encode()
    request = urllib.request.Request(base + "/token", data=form)
    basic = base64.b64encode(f"{demo.client_key}:{demo.client_secret}".encode()).decode()
    request.add_header("Authorization", f"Basic {basic}")
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.load(reply)["access_token"]
