#!/usr/bin/env python3
"""Writes WORKDIR/env.sh and WORKDIR/env.json from the SCIENCEFS_RUCIO_* variables start-rucio.sh exports.

Both files carry the same facts; env.json is what a test harness (Swift) reads, env.sh is for shells.
Written atomically with mode 0600 because they hold the test passwords.

Usage: write_env.py WORKDIR   (reads os.environ; RSE names in SCIENCEFS_RUCIO_RSES, space separated)
"""

import json
import os
import shlex
import sys


def env(name):
    value = os.environ.get(name)
    if value is None:
        sys.exit(f"write_env: {name} is not set")
    return value


def atomic_write(path, text):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    workdir = sys.argv[1]
    rse_names = env("SCIENCEFS_RUCIO_RSES").split()
    rses = []
    for name in rse_names:
        key = f"SCIENCEFS_RUCIO_RSE_{name}"
        rses.append({
            "name": name,
            "scheme": "https",
            "host": "127.0.0.1",
            "port": int(env(f"{key}_PORT")),
            "prefix": env("SCIENCEFS_RUCIO_RSE_PREFIX"),
            "url": env(f"{key}_URL"),
            "pid": int(env(f"{key}_PID")),
            "storage_root": env(f"{key}_ROOT"),
            "prefix_dir": env(f"{key}_DIR"),
        })
    facts = {
        "workdir": workdir,
        "rucio_version": env("SCIENCEFS_RUCIO_VERSION"),
        "rucio_config": env("RUCIO_CONFIG"),
        "venv": env("SCIENCEFS_RUCIO_VENV"),
        "rucio_url": env("SCIENCEFS_RUCIO_URL"),
        "rucio_port": int(env("SCIENCEFS_RUCIO_PORT")),
        "rucio_pid": int(env("SCIENCEFS_RUCIO_PID")),
        "vo": "def",
        "auth_type": "userpass",
        "account": env("SCIENCEFS_RUCIO_ACCOUNT"),
        "username": env("SCIENCEFS_RUCIO_USERNAME"),
        "password": env("SCIENCEFS_RUCIO_PASSWORD"),
        "root_account": "root",
        "root_username": env("SCIENCEFS_RUCIO_ROOT_USERNAME"),
        "root_password": env("SCIENCEFS_RUCIO_ROOT_PASSWORD"),
        "scope": env("SCIENCEFS_RUCIO_SCOPE"),
        "ca_cert": env("SCIENCEFS_RUCIO_CA_CERT"),
        "dummy_x509_proxy": env("SCIENCEFS_RUCIO_DUMMY_PROXY"),
        "client_tmp": env("SCIENCEFS_RUCIO_CLIENT_TMP"),
        "logs": os.path.join(workdir, "logs"),
        "rses": rses,
    }
    atomic_write(os.path.join(workdir, "env.json"), json.dumps(facts, indent=2) + "\n")

    lines = ["# Written by start-rucio.sh; source it: . WORKDIR/env.sh"]
    names = ["RUCIO_CONFIG", "SCIENCEFS_RUCIO_VERSION", "SCIENCEFS_RUCIO_VENV", "SCIENCEFS_RUCIO_WORKDIR",
             "SCIENCEFS_RUCIO_URL", "SCIENCEFS_RUCIO_PORT", "SCIENCEFS_RUCIO_PID",
             "SCIENCEFS_RUCIO_ACCOUNT", "SCIENCEFS_RUCIO_USERNAME", "SCIENCEFS_RUCIO_PASSWORD",
             "SCIENCEFS_RUCIO_ROOT_USERNAME", "SCIENCEFS_RUCIO_ROOT_PASSWORD", "SCIENCEFS_RUCIO_SCOPE",
             "SCIENCEFS_RUCIO_DUMMY_PROXY", "SCIENCEFS_RUCIO_CLIENT_TMP", "SCIENCEFS_RUCIO_CA_CERT",
             "SCIENCEFS_RUCIO_RSES", "SCIENCEFS_RUCIO_RSE_PREFIX"]
    for name in rse_names:
        names += [f"SCIENCEFS_RUCIO_RSE_{name}_{k}" for k in ("PORT", "URL", "PID", "ROOT", "DIR")]
    for name in names:
        lines.append(f"export {name}={shlex.quote(env(name))}")
    atomic_write(os.path.join(workdir, "env.sh"), "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
