#!/usr/bin/env bash
# Uploads a small, deterministic tree into a running start-rucio.sh instance with the real `rucio` CLI
# (rucio-clients, account alice, WebDAV PUT/MOVE to the storage servers), then verifies it with
# `rucio did content list`, `rucio replica list file` and `rucio download` + cmp.
#
#   user.alice:cont1  (CONTAINER)
#     └─ user.alice:ds1  (DATASET)  f1.root (3 MiB + 17 B), data_2.bin (1000 B), small.txt (12 B)   on SITE_A
#   user.alice:ds2  (DATASET)       shared.dat (100 KiB)                                       on SITE_A and SITE_B
#
# Usage: seed-tree.sh WORKDIR
#   Writes WORKDIR/seed/<name> (the uploaded bytes) and WORKDIR/seed.json (name, dataset, bytes, adler32,
#   md5, rses, local path per file). Re-running on a seeded WORKDIR only re-verifies. Exit non-zero on failure.
set -euo pipefail

log() { echo "seed-tree: $*" >&2; }
die() { echo "seed-tree: ERROR: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: seed-tree.sh WORKDIR"
WORKDIR=$(cd "$1" && pwd) || die "no such WORKDIR $1"
[ -f "$WORKDIR/env.sh" ] || die "$WORKDIR/env.sh missing: run start-rucio.sh first"
# shellcheck disable=SC1091
. "$WORKDIR/env.sh"
export TMP=$SCIENCEFS_RUCIO_CLIENT_TMP              # per-WORKDIR token cache of rucio-clients
export X509_USER_PROXY=$SCIENCEFS_RUCIO_DUMMY_PROXY # see lib/make_tls.sh: the WebDAV client insists on one
PY=$SCIENCEFS_RUCIO_VENV/bin/python
RUCIO=("$SCIENCEFS_RUCIO_VENV/bin/rucio" --account "$SCIENCEFS_RUCIO_ACCOUNT")
S=$SCIENCEFS_RUCIO_SCOPE
SEED=$WORKDIR/seed
LOG=$WORKDIR/logs/seed.log
: > "$LOG"

run() {  # run a rucio command, keep its output in the log, show it on failure
    echo "+ rucio ${*}" >> "$LOG"
    if ! "${RUCIO[@]}" "$@" >> "$LOG" 2>&1; then
        tail -30 "$LOG" >&2
        die "rucio $* failed"
    fi
}

if [ ! -f "$WORKDIR/seed.json" ]; then
    mkdir -p "$SEED"
    # Deterministic content so tests can also derive the expected bytes themselves.
    "$PY" - "$SEED" <<'EOF'
import random, sys, os
d = sys.argv[1]
def write(name, size, seed):
    rnd = random.Random(seed)
    with open(os.path.join(d, name), "wb") as f:
        f.write(rnd.randbytes(size))
write("f1.root", 3 * 1024 * 1024 + 17, 1)
write("data_2.bin", 1000, 2)
write("shared.dat", 100 * 1024, 3)
with open(os.path.join(d, "small.txt"), "w") as f:
    f.write("hello rucio\n")
EOF
    t0=$SECONDS
    (cd "$SEED" &&
        run upload --rse SITE_A --scope "$S" f1.root data_2.bin small.txt "$S:ds1" &&
        run did add --type container "$S:cont1" &&
        run did content add --to-did "$S:cont1" "$S:ds1" &&
        run upload --rse SITE_A --scope "$S" shared.dat "$S:ds2" &&
        run upload --rse SITE_B --scope "$S" shared.dat)
    log "uploaded in $((SECONDS - t0)) s"
fi

# --- verify with the CLI ---
"${RUCIO[@]}" did content list "$S:cont1" > "$WORKDIR/logs/seed-cont1.txt" 2>&1 || die "did content list cont1 failed"
grep -q "$S:ds1" "$WORKDIR/logs/seed-cont1.txt" || die "cont1 does not contain ds1"
"${RUCIO[@]}" did content list "$S:ds1" > "$WORKDIR/logs/seed-ds1.txt" 2>&1 || die "did content list ds1 failed"
for f in f1.root data_2.bin small.txt; do
    grep -q "$S:$f" "$WORKDIR/logs/seed-ds1.txt" || die "ds1 does not list $f"
done
"${RUCIO[@]}" replica list file --pfns "$S:shared.dat" > "$WORKDIR/logs/seed-shared-pfns.txt" 2>&1 \
    || die "replica list file shared.dat failed"
[ "$(grep -c '^https://' "$WORKDIR/logs/seed-shared-pfns.txt")" = 2 ] || die "shared.dat should have 2 replicas"

rm -rf "$WORKDIR/download"
run download --dir "$WORKDIR/download" "$S:ds1" "$S:ds2"
for f in f1.root data_2.bin small.txt shared.dat; do
    got=$(find "$WORKDIR/download" -type f -name "$f" | head -1)
    [ -n "$got" ] || die "download did not produce $f"
    cmp -s "$SEED/$f" "$got" || die "downloaded $f differs from the uploaded bytes"
done
log "verified: cont1 ⊃ ds1 (3 files), ds2 (shared.dat on 2 RSEs), download matches"

# --- manifest for tests (facts straight from the server) ---
"$PY" - "$WORKDIR" <<'EOF'
import json, os, sys
from rucio.client import Client
workdir = sys.argv[1]
scope = os.environ["SCIENCEFS_RUCIO_SCOPE"]
c = Client()
files = []
for ds in ("ds1", "ds2"):
    for f in c.list_files(scope, ds):
        reps = next(c.list_replicas([{"scope": scope, "name": f["name"]}], schemes=["https"]))
        files.append({"scope": scope, "name": f["name"], "dataset": f"{scope}:{ds}", "bytes": f["bytes"],
                      "adler32": f["adler32"], "md5": reps.get("md5"),
                      "rses": {rse: pfns for rse, pfns in reps["rses"].items()},
                      "local_path": os.path.join(workdir, "seed", f["name"])})
manifest = {"containers": {f"{scope}:cont1": [f"{scope}:ds1"]},
            "datasets": {f"{scope}:ds1": sorted(x["name"] for x in files if x["dataset"].endswith(":ds1")),
                         f"{scope}:ds2": sorted(x["name"] for x in files if x["dataset"].endswith(":ds2"))},
            "files": sorted(files, key=lambda x: x["name"])}
tmp = os.path.join(workdir, "seed.json.tmp")
with open(tmp, "w") as f:
    json.dump(manifest, f, indent=2)
    f.write("\n")
os.replace(tmp, os.path.join(workdir, "seed.json"))
EOF
log "wrote $WORKDIR/seed.json"
