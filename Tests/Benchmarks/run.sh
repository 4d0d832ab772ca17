#!/bin/bash
# Benchmark: sequential read of the demo's 100 MiB file through the mount against curl fetching the same file
# from the same emulator in the same run, and `ls -l` of the 10,000-entry directory cold and warm.
# Prints figures and ratios; asserts nothing. Usage: Tests/Benchmarks/run.sh [path/to/sciencefs]
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${1:-.build/release/sciencefs}"
if [ ! -x "$BIN" ]; then swift build -c release >/dev/null; fi
WORK="$(mktemp -d /tmp/sciencefs-bench.XXXXXX)"
MNT="$WORK/mnt"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p "$MNT"
cleanup() {
    fusermount3 -u "$MNT" 2>/dev/null || true
    if [ -n "${DEMO_PID:-}" ]; then kill "$DEMO_PID" 2>/dev/null || true; wait "$DEMO_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" demo --state "$WORK/state" --port "$PORT" "$MNT" > "$WORK/demo.log" 2>&1 &
DEMO_PID=$!
for _ in $(seq 600); do
    grep -q "fuse.sciencefs" /proc/self/mountinfo && grep -q " $MNT " /proc/self/mountinfo && break
    sleep 0.2
done
grep -q " $MNT " /proc/self/mountinfo || { echo "demo did not mount"; cat "$WORK/demo.log"; exit 1; }

BASE="http://127.0.0.1:$PORT"
FILE="project/large/ocean-model-100MiB.bin"
SYSTEM="data.tacc.demo"
SIZE=$((100 * 1024 * 1024))
now() { date +%s.%N; }
mbps() { python3 -c "print(f'{$SIZE / ($2 - $1) / 1e6:.0f}')"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

TOKEN="$(curl -s -u emulator-client-key:emulator-client-secret -d grant_type=password -d username=demo \
    -d password=demo-password -d scope=PRODUCTION "$BASE/token" | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')"

t0=$(now); curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/files/v2/media/system/$SYSTEM/$FILE"; t1=$(now)
CURL=$(mbps "$t0" "$t1")
t0=$(now); cat "$MNT/agave/systems/$SYSTEM/$FILE" > /dev/null; t1=$(now)
COLD=$(mbps "$t0" "$t1")
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
t0=$(now); cat "$MNT/agave/systems/$SYSTEM/$FILE" > /dev/null; t1=$(now)
WARM=$(mbps "$t0" "$t1")

DIR="$MNT/agave/systems/$SYSTEM/project/many"
t0=$(now); N=$(ls -l "$DIR" | grep -c '^-'); t1=$(now)
LS_COLD=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
t0=$(now); ls -l "$DIR" > /dev/null; t1=$(now)
LS_WARM=$(python3 -c "print(f'{$t1 - $t0:.2f}')")

echo "sequential read, 100 MiB, same emulator, same run:"
echo "  curl (baseline)          $CURL MB/s"
echo "  sciencefs cold (network) $COLD MB/s   ratio to curl $(ratio "$COLD" "$CURL")"
echo "  sciencefs warm (disk)    $WARM MB/s   ratio to curl $(ratio "$WARM" "$CURL")"
echo "ls -l of $N entries: cold ${LS_COLD} s, warm ${LS_WARM} s"
