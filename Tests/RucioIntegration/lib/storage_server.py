#!/usr/bin/env python3
"""An HTTPS WebDAV storage endpoint for one test RSE (WsgiDAV served by cheroot).

Why a wrapper instead of the `wsgidav` command line:
  * Rucio's WebDAV upload (`rucio.rse.protocols.webdav.Default.put`) PUTs straight into
    `<prefix>/<scope path>/<h1>/<h2>/<name>.rucio.upload` without creating the hash
    directories first and treats a 409 as "replica already exists". Grid WebDAV servers
    (dCache, EOS, StoRM) create missing parent collections on PUT; WsgiDAV answers 409.
    `ParentCreatingMiddleware` gives WsgiDAV the grid behaviour for PUT and MOVE.
  * Binding port 0 and writing the real port to a file avoids port races with parallel runs.

  * TLS is not optional: rucio-clients' WebDAV protocol (`webdav.Default.path2pfn`) only recognises
    PFNs starting with "https" as URLs and prefixes any other PFN (http://, davs://) a second time.

Usage: storage_server.py --root DIR --port-file FILE --cert PEM --key PEM [--log FILE]
Anonymous access (no auth, no client certificate requested) on 127.0.0.1 only.
SIGTERM/SIGINT stop it cleanly.
"""

import argparse
import logging
import os
import signal
import sys
from urllib.parse import unquote, urlparse

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from wsgidav.wsgidav_app import WsgiDAVApp


class ParentCreatingMiddleware:
    """Creates missing parent directories below `root` before PUT and MOVE reach WsgiDAV."""

    def __init__(self, app, root):
        self.app = app
        self.root = os.path.realpath(root)

    def _local_path(self, url_path):
        candidate = os.path.realpath(os.path.join(self.root, unquote(url_path).lstrip("/")))
        if candidate == self.root or candidate.startswith(self.root + os.sep):
            return candidate
        return None  # outside the storage root: leave it to WsgiDAV to reject

    def _ensure_parent(self, url_path):
        local = self._local_path(url_path)
        if local is not None and local != self.root:
            os.makedirs(os.path.dirname(local), exist_ok=True)

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "")
        if method == "PUT":
            self._ensure_parent(environ.get("PATH_INFO", ""))
        elif method == "MOVE" and environ.get("HTTP_DESTINATION"):
            self._ensure_parent(urlparse(environ["HTTP_DESTINATION"]).path)
        return self.app(environ, start_response)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--cert", required=True, help="server certificate (PEM), chain included")
    p.add_argument("--key", required=True, help="server private key (PEM)")
    p.add_argument("--log")
    a = p.parse_args()
    root, port_file = os.path.abspath(a.root), a.port_file
    if a.log:
        logging.basicConfig(filename=a.log, level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.makedirs(root, exist_ok=True)

    config = {
        "host": "127.0.0.1",
        "port": 0,
        "provider_mapping": {"/": root},
        # Anonymous read/write: the test storage trusts loopback clients.
        "simple_dc": {"user_mapping": {"*": True}},
        "http_authenticator": {"domain_controller": None, "accept_basic": True,
                               "accept_digest": False, "default_to_digest": False},
        # Rucio's WebDAV client HEADs the RSE prefix on connect and expects 200;
        # the directory browser answers GET/HEAD on collections.
        "dir_browser": {"enable": True},
        "property_manager": True,
        "lock_storage": True,
        "verbose": 2,
        "logging": {"enable": True, "enable_loggers": []},
    }
    app = ParentCreatingMiddleware(WsgiDAVApp(config), root)
    server = wsgi.Server(("127.0.0.1", 0), app, numthreads=8)
    server.ssl_adapter = BuiltinSSLAdapter(a.cert, a.key)
    server.prepare()  # binds; bind_addr now holds the real port
    port = server.bind_addr[1]
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, port_file)

    def stop(_signum, _frame):
        # Only unwind here: calling server.stop() inside the handler deadlocks against serve().
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logging.getLogger("storage").info("serving %s on 127.0.0.1:%d", root, port)
    try:
        server.serve()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
