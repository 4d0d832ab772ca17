#!/usr/bin/env python3
"""Creates the test account, scope and RSEs through the Rucio REST API (as root, via rucio-clients).

Idempotent: objects that already exist are left as they are, so start-rucio.sh can be re-run on an
existing WORKDIR. Storage ports may change between runs, so RSE protocols are replaced every time.

Usage (RUCIO_CONFIG set, server running):
  configure_rucio.py --root-user U --root-password P --account alice --password PW --scope user.alice \
                     --rse SITE_A=PORT --rse SITE_B=PORT [--prefix /rucio/]

Why alice gets the `admin` account attribute: with the generic permission policy, `rucio upload`
needs `update_replicas_states` (to flip the replica from COPYING to AVAILABLE), which only root or
an account with admin=True may do (rucio/core/permission/generic.py).
"""

import argparse
import sys

from rucio.client import Client
from rucio.common.exception import Duplicate, RucioException

QUOTA_BYTES = 10 * 1024 ** 3
PROTOCOL_PRIORITIES = {
    "wan": {"read": 1, "write": 1, "delete": 1, "third_party_copy_read": 1, "third_party_copy_write": 1},
    "lan": {"read": 1, "write": 1, "delete": 1},
}


def ignore_duplicate(what, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
        print(f"configure: created {what}")
    except Duplicate:
        print(f"configure: {what} already exists")


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--root-user", required=True)
    p.add_argument("--root-password", required=True)
    p.add_argument("--account", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--scope", required=True)
    p.add_argument("--rse", action="append", required=True, metavar="NAME=PORT")
    p.add_argument("--prefix", default="/rucio/")
    return p.parse_args()


def configure_rse(client, name, port, prefix):
    ignore_duplicate(f"RSE {name}", client.add_rse, name, deterministic=True, volatile=False, rse_type="DISK")
    for proto in client.get_rse(name).get("protocols", []):
        client.delete_protocols(name, proto["scheme"], hostname=proto["hostname"], port=proto["port"])
    client.add_protocol(name, {
        "scheme": "https",
        "hostname": "127.0.0.1",
        "port": port,
        "prefix": prefix,
        "impl": "rucio.rse.protocols.webdav.Default",
        "domains": PROTOCOL_PRIORITIES,
    })
    print(f"configure: RSE {name} protocol https://127.0.0.1:{port}{prefix}")


def main():
    a = parse_args()
    root = Client(account="root", auth_type="userpass",
                  creds={"username": a.root_user, "password": a.root_password})

    ignore_duplicate(f"account {a.account}", root.add_account, a.account, "USER", f"{a.account}@example.org")
    ignore_duplicate(f"userpass identity {a.account}", root.add_identity, a.account, a.account, "USERPASS",
                     f"{a.account}@example.org", default=True, password=a.password)
    ignore_duplicate(f"attribute admin on {a.account}", root.add_account_attribute, a.account, "admin", "True")
    ignore_duplicate(f"scope {a.scope}", root.add_scope, a.account, a.scope)

    for spec in a.rse:
        name, _, port = spec.partition("=")
        if not name or not port.isdigit():
            sys.exit(f"configure: bad --rse {spec!r}, want NAME=PORT")
        configure_rse(root, name, int(port), a.prefix)
        root.set_local_account_limit(a.account, name, QUOTA_BYTES)
        root.set_local_account_limit("root", name, QUOTA_BYTES)

    # Prove the new identity works end to end before handing it to the tests.
    alice = Client(account=a.account, auth_type="userpass",
                   creds={"username": a.account, "password": a.password})
    who = alice.whoami()
    if who.get("account") != a.account:
        sys.exit(f"configure: whoami as {a.account} returned {who!r}")
    print(f"configure: {a.account} can authenticate")


if __name__ == "__main__":
    try:
        main()
    except RucioException as e:
        sys.exit(f"configure: Rucio error: {e}")
