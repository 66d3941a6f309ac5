#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster for running the test suite against Postgres.
#
#   eval "$(.ci/pg-cluster.sh start)"   # exports PG_CLUSTER_DIR and DATABASE_URL
#   .ci/pg-cluster.sh stop "$PG_CLUSTER_DIR"
#
# `start` writes only the two `export` lines to stdout (so it can be eval'ed);
# progress and errors go to stderr. The cluster lives entirely in one temp dir:
# data, log and unix socket. It listens on 127.0.0.1 only, on a free port, with
# trust auth: it is a disposable test database on a CI machine.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PG_USER=cbcoord   # superuser role the tests connect as (pytest-django needs CREATEDB)
PG_DB=cbcoord
MARKER=.cbcoord-pg-cluster   # `stop` only deletes directories carrying this file

say() { echo "pg-cluster: $*" >&2; }
die() { say "error: $*"; exit 1; }

# initdb and postgres refuse to run as root, so as root run them as the
# `postgres` system user; as an ordinary user (a developer laptop) run them directly.
# The `cd` is because postgres may not be allowed to read the caller's cwd.
as_pg() {
    if [[ $(id -u) == 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

free_port() {
    # Let the kernel pick a free port. There is a small window before postgres
    # binds it, which is acceptable for CI.
    local py
    py=$(command -v python3 || command -v python3.11) || die "python3 not found"
    "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_failed() {
    say "start failed"
    if [[ -f $1/log ]]; then cat "$1/log" >&2; fi
    stop "$1" || true
}

start() {
    [[ -x $PGBIN/initdb ]] || die "no PostgreSQL binaries in $PGBIN (install postgresql-15 or set PGBIN)"

    if [[ $(id -u) == 0 ]] && ! id postgres >/dev/null 2>&1; then
        say "creating the postgres system user"
        useradd --system --user-group --home /nonexistent --shell /usr/sbin/nologin postgres
    fi

    # Always under /tmp (not $TMPDIR): /tmp is world-traversable, so the
    # postgres user can reach the directory once it owns it.
    # Not `local`: the EXIT trap below runs after this function has returned.
    dir=$(mktemp -d /tmp/cbcoord-pg.XXXXXX)
    touch "$dir/$MARKER"
    # If anything below fails (set -e exits), show the server log and do not
    # leave a half-started cluster behind.
    trap 'start_failed "$dir"' EXIT
    if [[ $(id -u) == 0 ]]; then
        chown postgres: "$dir"
    fi

    local port
    port=$(free_port)

    say "initdb in $dir"
    # -U postgres: bootstrap superuser name independent of who runs this.
    # C.UTF-8 is built into Debian 12's glibc, so no locale package is needed,
    # and upper()/lower() (icontains) still work on non-ASCII text.
    as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; false; }

    # Durability is pointless for a throwaway test database; these make it much faster.
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

    say "starting on 127.0.0.1:$port"
    # -l sends the server's output to a file, so it does not hold our stdout
    # open (which would hang `$(pg-cluster.sh start)`).
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null

    # Create the role and database over the unix socket (inside $dir).
    as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE $PG_USER LOGIN SUPERUSER CREATEDB" \
        -c "CREATE DATABASE $PG_DB OWNER $PG_USER" >&2

    trap - EXIT
    local url="postgresql://$PG_USER@127.0.0.1:$port/$PG_DB"
    say "DATABASE_URL=$url"
    printf 'export PG_CLUSTER_DIR=%q\n' "$dir"
    printf 'export DATABASE_URL=%q\n' "$url"
}

stop() {
    local dir=$1
    [[ -f $dir/$MARKER ]] || die "$dir is not a cluster made by this script; not touching it"

    if [[ -f $dir/data/postmaster.pid ]]; then
        say "stopping the server in $dir"
        # Fast shutdown disconnects clients; fall back to immediate if that hangs.
        as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null ||
            as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null ||
            die "could not stop the server; leaving $dir in place (see $dir/log)"
    fi
    rm -rf -- "$dir"
    say "removed $dir"
}

case "${1:-} $#" in
    "start 1") start ;;
    "stop 2") stop "$2" ;;
    *) echo "usage: $0 start | $0 stop DIR" >&2; exit 2 ;;
esac
