#!/usr/bin/env bash
# Starts a real Rucio server (PyPI `rucio`, Flask app under gunicorn, SQLite, plain HTTP) and one HTTPS WebDAV
# storage server per RSE (WsgiDAV + cheroot, self-signed test CA), all on 127.0.0.1, and configures account,
# scope and RSEs.
#
# Usage: start-rucio.sh WORKDIR
#   Idempotent: if WORKDIR already runs a healthy instance it only re-checks it; otherwise leftover processes
#   recorded in WORKDIR are stopped and everything is (re)started on the existing database and storage.
#   The venv is cached in ${SCIENCEFS_RUCIO_VENV:-${TMPDIR:-/tmp}/sciencefs-rucio-venv-<version>}.
# Result: WORKDIR/env.sh and WORKDIR/env.json (ports, PIDs, credentials, RSEs, storage dirs). Progress goes to
#   stderr; the last stdout line is the path of env.json. Exit status non-zero on any failure.
set -euo pipefail

RUCIO_VERSION=41.5.1
PINS="rucio==$RUCIO_VERSION rucio-clients==$RUCIO_VERSION gunicorn==27.0.1 wsgidav==4.4.0 cheroot==11.1.2"
RSES=(SITE_A SITE_B)
RSE_PREFIX=/rucio/
ACCOUNT=alice
SCOPE=user.alice
ROOT_USERNAME=ddmlab
STARTUP_TIMEOUT=${SCIENCEFS_RUCIO_STARTUP_TIMEOUT:-90}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { echo "start-rucio: $*" >&2; }
die() { echo "start-rucio: ERROR: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: start-rucio.sh WORKDIR"
mkdir -p "$1" || die "cannot create $1"
WORKDIR=$(cd "$1" && pwd)
VENV=${SCIENCEFS_RUCIO_VENV:-${TMPDIR:-/tmp}/sciencefs-rucio-venv-$RUCIO_VERSION}
LOGS=$WORKDIR/logs
RUN=$WORKDIR/run
CLIENT_TMP=$WORKDIR/client-tmp
mkdir -p "$LOGS" "$RUN" "$CLIENT_TMP"
chmod 700 "$WORKDIR"

# True if PID is alive and its command line mentions WORKDIR (guards against PID reuse).
owned_pid_alive() {
    local pid=$1
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$WORKDIR"
}

# --- venv (shared cache, guarded by a lock; a marker records the exact pins of a finished install) ---
ensure_venv() {
    local marker=$VENV/.sciencefs-pins
    exec 9> "$VENV.lock"
    flock 9
    if [ -f "$marker" ] && [ "$(cat "$marker")" = "$PINS" ] && [ -x "$VENV/bin/gunicorn" ]; then
        log "reusing venv $VENV"
    else
        log "creating venv $VENV (pip install $PINS; takes ~1 min)"
        local t0=$SECONDS
        rm -rf "$VENV"
        python3 -m venv "$VENV" || die "python3 -m venv $VENV failed"
        # shellcheck disable=SC2086
        "$VENV/bin/pip" install --disable-pip-version-check -q $PINS > "$LOGS/pip.log" 2>&1 \
            || { tail -20 "$LOGS/pip.log" >&2; die "pip install failed, see $LOGS/pip.log"; }
        "$VENV/bin/python" -c 'import rucio.version, gunicorn, wsgidav, cheroot' \
            || die "venv $VENV lacks a module after pip install"
        echo "$PINS" > "$marker"
        log "venv ready in $((SECONDS - t0)) s"
    fi
    exec 9>&-
    ln -sfn "$VENV" "$WORKDIR/venv"
}

# --- already running? ---
if [ -f "$WORKDIR/env.sh" ]; then
    # shellcheck disable=SC1091
    . "$WORKDIR/env.sh"
    healthy=1
    owned_pid_alive "${SCIENCEFS_RUCIO_PID:-}" || healthy=0
    for rse in ${SCIENCEFS_RUCIO_RSES:-}; do
        pid_var=SCIENCEFS_RUCIO_RSE_${rse}_PID
        owned_pid_alive "${!pid_var:-}" || healthy=0
    done
    if [ $healthy = 1 ] && curl -sf -o /dev/null "$SCIENCEFS_RUCIO_URL/ping"; then
        log "already running at $SCIENCEFS_RUCIO_URL"
        echo "$WORKDIR/env.json"
        exit 0
    fi
    log "stale instance in $WORKDIR, stopping what is left of it"
    "$HERE/stop-rucio.sh" "$WORKDIR" >&2 || true
fi

T_START=$SECONDS
ensure_venv
PY=$VENV/bin/python
export TMP=$CLIENT_TMP  # rucio-clients caches tokens under $TMP/<user>/.rucio_<user>/: keep them per WORKDIR

# On failure, stop whatever this run started.
STARTED_PIDS=()
cleanup_on_error() {
    local rc=$?
    if [ $rc -ne 0 ]; then
        for pid in "${STARTED_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
        log "failed (exit $rc); logs in $LOGS"
    fi
}
trap cleanup_on_error EXIT

# --- secrets (generated once per WORKDIR, reused with its database) ---
if [ ! -f "$WORKDIR/secrets" ]; then
    (umask 077; "$PY" -c 'import secrets
print("ROOT_PASSWORD=" + secrets.token_hex(12)); print("ALICE_PASSWORD=" + secrets.token_hex(12))' > "$WORKDIR/secrets")
fi
# shellcheck disable=SC1091
. "$WORKDIR/secrets"

# Test CA + server certificate for the storage, and a client "proxy" PEM that rucio-clients' WebDAV
# protocol insists on having (see lib/make_tls.sh).
TLS=$WORKDIR/tls
"$HERE/lib/make_tls.sh" "$TLS" || die "creating test certificates with openssl failed"
DUMMY_PROXY=$TLS/x509up

# --- storage servers ---
declare -A RSE_PORT RSE_PID
for rse in "${RSES[@]}"; do
    root=$WORKDIR/storage/$rse
    mkdir -p "$root$RSE_PREFIX"
    portfile=$RUN/storage-$rse.port
    rm -f "$portfile"
    nohup "$PY" "$HERE/lib/storage_server.py" --root "$root" --port-file "$portfile" \
        --cert "$TLS/server.pem" --key "$TLS/server.key" --log "$LOGS/storage-$rse.log" \
        > "$LOGS/storage-$rse.out" 2>&1 < /dev/null &
    RSE_PID[$rse]=$!
    STARTED_PIDS+=("$!")
done
for rse in "${RSES[@]}"; do
    portfile=$RUN/storage-$rse.port
    for _ in $(seq 1 $((STARTUP_TIMEOUT * 5))); do
        [ -s "$portfile" ] && break
        kill -0 "${RSE_PID[$rse]}" 2>/dev/null || { cat "$LOGS/storage-$rse.out" >&2; die "storage server $rse exited"; }
        sleep 0.2
    done
    [ -s "$portfile" ] || die "storage server $rse did not report a port within ${STARTUP_TIMEOUT}s"
    RSE_PORT[$rse]=$(cat "$portfile")
    code=$(curl -s --cacert "$TLS/ca.pem" -o /dev/null -w '%{http_code}' -I \
        "https://127.0.0.1:${RSE_PORT[$rse]}$RSE_PREFIX") || true
    [ "$code" = 200 ] || die "storage $rse: HEAD $RSE_PREFIX answered '$code', want 200"
    log "storage $rse on 127.0.0.1:${RSE_PORT[$rse]} (pid ${RSE_PID[$rse]})"
done

# --- rucio.cfg (server and client share it); [client] is filled in once the server port is known ---
write_config() {
    local rucio_url=$1 cfg=$WORKDIR/rucio.cfg
    cat > "$cfg.tmp" <<EOF
# Generated by start-rucio.sh for a throw-away test instance.
[common]
logdir = $LOGS
loglevel = INFO
mailtemplatedir = $VENV/rucio/etc/mail_templates

[database]
default = sqlite:///$WORKDIR/rucio.db
echo = 0

[bootstrap]
userpass_identity = $ROOT_USERNAME
userpass_pwd = $ROOT_PASSWORD
userpass_email = root@example.org

[alembic]
cfg = $WORKDIR/alembic.ini

[policy]
permission = generic
schema = generic
lfn2pfn_algorithm_default = hash

[monitor]
enable_metrics = False

[client]
rucio_host = $rucio_url
auth_host = $rucio_url
auth_type = userpass
account = $ACCOUNT
username = $ACCOUNT
password = $ALICE_PASSWORD
request_retries = 3
ca_cert = $TLS/ca.pem
# a failed post-upload PROPFIND is retried with backoff; the default of 6 tries takes a minute
protocol_stat_retries = 2
EOF
    chmod 600 "$cfg.tmp"
    mv "$cfg.tmp" "$cfg"
}
cat > "$WORKDIR/alembic.ini" <<EOF
[alembic]
script_location = $("$PY" -c 'import importlib.util as u, os; print(os.path.join(os.path.dirname(u.find_spec("rucio").origin), "db/sqla/migrate_repo"))')
sqlalchemy.url = sqlite:///$WORKDIR/rucio.db

[loggers]
keys = root
[handlers]
keys = console
[formatters]
keys = generic
[logger_root]
level = WARN
handlers = console
[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = generic
[formatter_generic]
format = %(levelname)s [%(name)s] %(message)s
EOF
write_config "http://127.0.0.1:0"
export RUCIO_CONFIG=$WORKDIR/rucio.cfg

# --- database ---
"$PY" "$HERE/lib/bootstrap_db.py" > "$LOGS/bootstrap.log" 2>&1 \
    || { tail -20 "$LOGS/bootstrap.log" >&2; die "database bootstrap failed"; }
log "$(tail -1 "$LOGS/bootstrap.log")"

# --- rucio server ---
SERVER_LOG=$LOGS/rucio-server.log
: > "$SERVER_LOG"
nohup "$VENV/bin/gunicorn" --bind 127.0.0.1:0 --workers 1 --worker-class gthread --threads 8 \
    --timeout 120 --graceful-timeout 5 --pid "$RUN/gunicorn.pid" \
    --error-logfile "$SERVER_LOG" --access-logfile "$LOGS/rucio-access.log" \
    rucio.web.rest.flaskapi.v1.main:application > "$LOGS/rucio-server.out" 2>&1 < /dev/null &
RUCIO_PID=$!
STARTED_PIDS+=("$RUCIO_PID")
RUCIO_PORT=
for _ in $(seq 1 $((STARTUP_TIMEOUT * 5))); do
    RUCIO_PORT=$(sed -n 's/.*Listening at: http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$SERVER_LOG" | head -1)
    [ -n "$RUCIO_PORT" ] && curl -sf -o /dev/null "http://127.0.0.1:$RUCIO_PORT/ping" && break
    kill -0 "$RUCIO_PID" 2>/dev/null || { tail -30 "$SERVER_LOG" >&2; die "rucio server exited"; }
    sleep 0.2
done
[ -n "$RUCIO_PORT" ] && curl -sf -o /dev/null "http://127.0.0.1:$RUCIO_PORT/ping" \
    || { tail -30 "$SERVER_LOG" >&2; die "rucio server did not answer /ping within ${STARTUP_TIMEOUT}s"; }
RUCIO_URL=http://127.0.0.1:$RUCIO_PORT
write_config "$RUCIO_URL"
log "rucio $(curl -s "$RUCIO_URL/ping") on $RUCIO_URL (pid $RUCIO_PID)"

# --- account, scope, RSEs ---
rse_args=()
for rse in "${RSES[@]}"; do rse_args+=(--rse "$rse=${RSE_PORT[$rse]}"); done
"$PY" "$HERE/lib/configure_rucio.py" --root-user "$ROOT_USERNAME" --root-password "$ROOT_PASSWORD" \
    --account "$ACCOUNT" --password "$ALICE_PASSWORD" --scope "$SCOPE" --prefix "$RSE_PREFIX" "${rse_args[@]}" \
    > "$LOGS/configure.log" 2>&1 || { tail -20 "$LOGS/configure.log" >&2; die "configuring rucio failed"; }

# --- env.sh / env.json ---
export SCIENCEFS_RUCIO_VERSION=$RUCIO_VERSION SCIENCEFS_RUCIO_VENV=$VENV SCIENCEFS_RUCIO_WORKDIR=$WORKDIR
export SCIENCEFS_RUCIO_URL=$RUCIO_URL SCIENCEFS_RUCIO_PORT=$RUCIO_PORT SCIENCEFS_RUCIO_PID=$RUCIO_PID
export SCIENCEFS_RUCIO_ACCOUNT=$ACCOUNT SCIENCEFS_RUCIO_USERNAME=$ACCOUNT SCIENCEFS_RUCIO_PASSWORD=$ALICE_PASSWORD
export SCIENCEFS_RUCIO_ROOT_USERNAME=$ROOT_USERNAME SCIENCEFS_RUCIO_ROOT_PASSWORD=$ROOT_PASSWORD
export SCIENCEFS_RUCIO_SCOPE=$SCOPE SCIENCEFS_RUCIO_DUMMY_PROXY=$DUMMY_PROXY SCIENCEFS_RUCIO_CLIENT_TMP=$CLIENT_TMP
export SCIENCEFS_RUCIO_RSES="${RSES[*]}" SCIENCEFS_RUCIO_RSE_PREFIX=$RSE_PREFIX SCIENCEFS_RUCIO_CA_CERT=$TLS/ca.pem
for rse in "${RSES[@]}"; do
    export "SCIENCEFS_RUCIO_RSE_${rse}_PORT=${RSE_PORT[$rse]}"
    export "SCIENCEFS_RUCIO_RSE_${rse}_URL=https://127.0.0.1:${RSE_PORT[$rse]}$RSE_PREFIX"
    export "SCIENCEFS_RUCIO_RSE_${rse}_PID=${RSE_PID[$rse]}"
    export "SCIENCEFS_RUCIO_RSE_${rse}_ROOT=$WORKDIR/storage/$rse"
    export "SCIENCEFS_RUCIO_RSE_${rse}_DIR=$WORKDIR/storage/$rse$RSE_PREFIX"
done
"$PY" "$HERE/lib/write_env.py" "$WORKDIR" || die "writing env files failed"
trap - EXIT
log "started in $((SECONDS - T_START)) s; source $WORKDIR/env.sh"
echo "$WORKDIR/env.json"
