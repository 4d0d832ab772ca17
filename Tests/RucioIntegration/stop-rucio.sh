#!/usr/bin/env bash
# Stops exactly the processes start-rucio.sh recorded in WORKDIR/env.sh (gunicorn master and the storage
# servers), by PID. A PID is only signalled if its command line still mentions WORKDIR, so a recycled PID
# is never hit. SIGTERM first, SIGKILL after 10 s. Leaves data, logs and the venv in place.
#
# Usage: stop-rucio.sh WORKDIR     (exit 0 also when nothing was running)
set -uo pipefail

log() { echo "stop-rucio: $*" >&2; }
[ $# -eq 1 ] || { log "usage: stop-rucio.sh WORKDIR"; exit 2; }
[ -d "$1" ] || { log "no such directory $1"; exit 0; }
WORKDIR=$(cd "$1" && pwd)

owned_pid_alive() {
    local pid=$1
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$WORKDIR"
}

pids=()
if [ -f "$WORKDIR/env.sh" ]; then
    # shellcheck disable=SC1091
    . "$WORKDIR/env.sh"
    pids+=("${SCIENCEFS_RUCIO_PID:-}")
    for rse in ${SCIENCEFS_RUCIO_RSES:-}; do
        pid_var=SCIENCEFS_RUCIO_RSE_${rse}_PID
        pids+=("${!pid_var:-}")
    done
fi
# gunicorn also writes its own pid file; covers a start that died before env.sh was written.
[ -f "$WORKDIR/run/gunicorn.pid" ] && pids+=("$(cat "$WORKDIR/run/gunicorn.pid")")

targets=()
for pid in "${pids[@]}"; do
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    [[ " ${targets[*]} " == *" $pid "* ]] && continue
    if owned_pid_alive "$pid"; then
        targets+=("$pid")
        kill -TERM "$pid" 2>/dev/null && log "sent TERM to $pid"
    fi
done

for _ in $(seq 1 50); do
    alive=0
    for pid in "${targets[@]}"; do owned_pid_alive "$pid" && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
done
for pid in "${targets[@]}"; do
    if owned_pid_alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null && log "sent KILL to $pid"
    fi
done
rm -f "$WORKDIR/run/gunicorn.pid"
log "stopped ${#targets[@]} process(es) of $WORKDIR"
exit 0
