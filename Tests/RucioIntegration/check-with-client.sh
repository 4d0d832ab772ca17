#!/bin/bash
# Checks, with the REAL rucio client, a file that sciencefs uploaded: the dataset lists it, and
# `rucio download` gives the same bytes as LOCALFILE.
# Usage: check-with-client.sh WORKDIR SCOPE:NAME SCOPE:DATASET LOCALFILE
set -euo pipefail
WORKDIR=$1 DID=$2 DATASET=$3 LOCAL=$4
. "$WORKDIR/env.sh"
export TMP=$SCIENCEFS_RUCIO_CLIENT_TMP
export X509_USER_PROXY=$SCIENCEFS_RUCIO_DUMMY_PROXY
RUCIO=("$SCIENCEFS_RUCIO_VENV/bin/rucio" --account "$SCIENCEFS_RUCIO_ACCOUNT")
listing=$("${RUCIO[@]}" did content list "$DATASET" 2>&1) || { echo "did content list failed: $listing" >&2; exit 1; }
grep -q "$DID" <<< "$listing" || { echo "$DATASET does not list $DID:" >&2; echo "$listing" >&2; exit 1; }
out=$(mktemp -d "$WORKDIR/check.XXXXXX")
"${RUCIO[@]}" download --dir "$out" "$DID" > "$out.log" 2>&1 || { echo "rucio download failed:" >&2; cat "$out.log" >&2; exit 1; }
got=$(find "$out" -type f -name "${DID#*:}" | head -1)
[ -n "$got" ] || { echo "download produced no file" >&2; exit 1; }
cmp "$LOCAL" "$got"
echo "ok: $DATASET lists $DID and rucio download returns the same bytes"
