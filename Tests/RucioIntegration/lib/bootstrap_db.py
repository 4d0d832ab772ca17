#!/usr/bin/env python3
"""Builds the Rucio schema in the configured database and creates the base VO and root account.

This is what rucio's own `tools/bootstrap.py` (shipped in the wheel under <venv>/rucio/tools/) does:
build_database() (models + `alembic stamp head`), create_base_vo(), create_root_account().
We call the same functions instead of that script because it chdir()s into the venv and
appends paths. The root userpass identity comes from the `[bootstrap]` section of $RUCIO_CONFIG.

Exits 0 without touching anything if the schema already holds the root account, so start-rucio.sh
can be re-run on an existing WORKDIR.
"""

import os
import sys


def main():
    if not os.environ.get("RUCIO_CONFIG"):
        sys.exit("bootstrap_db.py: RUCIO_CONFIG must point at the server rucio.cfg")

    from sqlalchemy import inspect

    from rucio.db.sqla.session import get_engine
    from rucio.db.sqla.util import build_database, create_base_vo, create_root_account

    if inspect(get_engine()).has_table("accounts"):
        print("bootstrap_db: schema already present, nothing to do")
        return
    build_database()
    create_base_vo()
    create_root_account()
    print("bootstrap_db: schema built, VO 'def' and account 'root' created")


if __name__ == "__main__":
    main()
