#!/bin/bash
# Benchmark: sequential read of the demo's 100 MiB file through the mount against curl fetching the same file
# from the same emulator in the same run, and `ls -l` of the 10,000-entry directory cold and warm.
# Each figure is the median of RUNS rounds (default 3); every round remounts the demo with an empty cache (the
# emulators' sample data is made once and reused). Prints figures and ratios; asserts nothing.
# Usage: Tests/Benchmarks/run.sh [path/to/sciencefs]     (RUNS=5 Tests/Benchmarks/run.sh for more rounds)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${1:-.build/release/sciencefs}"
RUNS="${RUNS:-3}"
if [ ! -x "$BIN" ]; then swift build -c release >/dev/null; fi
WORK="$(mktemp -d /tmp/sciencefs-bench.XXXXXX)"
MNT="$WORK/mnt"
mkdir -p "$MNT"
DEMO_PID=""
stop_demo() {
    fusermount3 -u "$MNT" 2>/dev/null || true
    if [ -n "$DEMO_PID" ]; then
        # Unmounted, the demo stops its emulators (and the FTS3 emulator's nginx) by itself: give it time to.
        for _ in $(seq 150); do kill -0 "$DEMO_PID" 2>/dev/null || break; sleep 0.2; done
        kill "$DEMO_PID" 2>/dev/null || true
        wait "$DEMO_PID" 2>/dev/null || true
    fi
    DEMO_PID=""
}
cleanup() { stop_demo; rm -rf "$WORK"; }
trap cleanup EXIT

start_demo() {
    PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    "$BIN" demo --state "$WORK/state" --port "$PORT" "$MNT" > "$WORK/demo.log" 2>&1 &
    DEMO_PID=$!
    for _ in $(seq 600); do
        grep -q " $MNT " /proc/self/mountinfo && break
        sleep 0.2
    done
    grep -q " $MNT " /proc/self/mountinfo || { echo "demo did not mount"; cat "$WORK/demo.log"; exit 1; }
    sleep 2 # let the seeding writes settle before timing anything
}

FILE="project/large/ocean-model-100MiB.bin"
SYSTEM="data.tacc.demo"
SIZE=$((100 * 1024 * 1024))
now() { date +%s.%N; }
mbps() { python3 -c "print(f'{$SIZE / ($2 - $1) / 1e6:.0f}')"; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }
median() { python3 -c "import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

CURL=(); COLD=(); WARM=(); LS_COLD=(); LS_WARM=()
for round in $(seq "$RUNS"); do
    rm -rf "$WORK/state/cache" # an empty cache: every round starts cold
    start_demo
    BASE="http://127.0.0.1:$PORT"
    TOKEN="$(curl -s -u emulator-client-key:emulator-client-secret -d grant_type=password -d username=demo \
        -d password=demo-password -d scope=PRODUCTION "$BASE/token" | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')"
    # The server side reads from the page cache for both curl and the mount: neither pays the disk.
    cat "$WORK/state/agave/systems/$SYSTEM/$FILE" > /dev/null
    t0=$(now); curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/files/v2/media/system/$SYSTEM/$FILE"; t1=$(now)
    CURL+=("$(mbps "$t0" "$t1")")
    t0=$(now); cat "$MNT/agave/systems/$SYSTEM/$FILE" > /dev/null; t1=$(now)
    COLD+=("$(mbps "$t0" "$t1")")
    sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
    t0=$(now); cat "$MNT/agave/systems/$SYSTEM/$FILE" > /dev/null; t1=$(now)
    WARM+=("$(mbps "$t0" "$t1")")
    DIR="$MNT/agave/systems/$SYSTEM/project/many"
    t0=$(now); N=$(ls -l "$DIR" | grep -c '^-'); t1=$(now)
    LS_COLD+=("$(secs "$t0" "$t1")")
    t0=$(now); ls -l "$DIR" > /dev/null; t1=$(now)
    LS_WARM+=("$(secs "$t0" "$t1")")
    echo "round $round: curl ${CURL[-1]} MB/s, cold ${COLD[-1]} MB/s, warm ${WARM[-1]} MB/s, ls -l ${LS_COLD[-1]} s / ${LS_WARM[-1]} s"
    stop_demo
done

# Ratios are taken within each round (the machine's speed drifts between rounds), then the median is printed.
COLD_RATIOS=(); WARM_RATIOS=()
for i in "${!CURL[@]}"; do
    COLD_RATIOS+=("$(ratio "${COLD[$i]}" "${CURL[$i]}")"); WARM_RATIOS+=("$(ratio "${WARM[$i]}" "${CURL[$i]}")")
done
C=$(median "${CURL[@]}"); K=$(median "${COLD[@]}"); W=$(median "${WARM[@]}")
echo "sequential read, 100 MiB, same emulator, medians of $RUNS rounds:"
echo "  curl (baseline)          $C MB/s"
echo "  sciencefs cold (network) $K MB/s   ratio to curl $(median "${COLD_RATIOS[@]}")"
echo "  sciencefs warm (disk)    $W MB/s   ratio to curl $(median "${WARM_RATIOS[@]}")"
echo "ls -l of $N entries: cold $(median "${LS_COLD[@]}") s, warm $(median "${LS_WARM[@]}") s"
