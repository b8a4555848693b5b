#!/usr/bin/env bash
# Makes a PostgreSQL server available on loopback for the tests of the
# feature `postgres` of seg-bandit-state, and prints the lines that point the
# tests at it:
#
#     export SEG_POSTGRES_URL=postgres://seg_test:seg_test@127.0.0.1:5432/seg_test
#     export SEG_POSTGRES_RESTART_URL=postgres://seg_test:seg_test@127.0.0.1:5433/seg_test
#     export SEG_POSTGRES_RESTART_COMMAND='pg_ctlcluster 15 seg_restart restart'
#
# The second server (cluster `seg_restart`) is restarted by the test of a
# server restart during writes; nothing else uses it.
#
# Use it as `pg_env=$(bash .ci/postgres.sh) && eval "$pg_env"` (what .ci/run
# does). Only those lines go to stdout; progress goes to stderr.
#
# What it does, each step only when needed (running it again when the server
# is up changes nothing):
#   1. installs Debian's `postgresql` with apt-get when no server is installed;
#   2. creates a cluster (`pg_createcluster`) of the newest installed version
#      when there is none (and the cluster `seg_restart`), on localhost only;
#   3. starts it as the `postgres` user (`pg_ctlcluster`) and waits for it;
#   4. creates the login role and the database the tests use (the role owns
#      the database; nothing is ever dropped).
#
# Settings (environment): SEG_POSTGRES_DB, SEG_POSTGRES_ROLE,
# SEG_POSTGRES_PASSWORD (all default to seg_test). Run as root (CI) or as a
# user with sudo. To use a server of your own instead, skip this script and
# export SEG_POSTGRES_URL yourself (a role that may create tables in the
# database's `public` schema).
set -euo pipefail

DB=${SEG_POSTGRES_DB:-seg_test}
ROLE=${SEG_POSTGRES_ROLE:-seg_test}
PASSWORD=${SEG_POSTGRES_PASSWORD:-seg_test}

log() { echo "postgres.sh: $*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        sudo -u postgres "$@"
    fi
}

newest_version() {
    local dir
    dir=$(ls -1d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$dir" ]; then basename "$(dirname "$(dirname "$dir")")"; fi
}

# 1. The server packages.
if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(newest_version)" ]; then
    log "installing Debian's postgresql"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends postgresql >&2
fi
VERSION=$(newest_version)
[ -n "$VERSION" ] || { log "no PostgreSQL server found after installing"; exit 1; }

# 2.–4. A cluster with the role and the database, started; prints its port.
serve() {
    local cluster=$1 port
    if ! pg_lsclusters --no-header | awk -v v="$VERSION" -v c="$cluster" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
        log "creating cluster $VERSION/$cluster"
        as_root pg_createcluster "$VERSION" "$cluster" -- --auth-local=peer --auth-host=scram-sha-256 >&2
    fi
    port=$(pg_lsclusters --no-header | awk -v v="$VERSION" -v c="$cluster" '$1 == v && $2 == c { print $3 }')
    # Started as the postgres user (the socket folder may be gone after a
    # reboot of a container: /run is a tmpfs).
    as_root install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    if ! pg_lsclusters --no-header | awk -v v="$VERSION" -v c="$cluster" '$1 == v && $2 == c { print $4 }' | grep -q online; then
        log "starting cluster $VERSION/$cluster on port $port"
        as_postgres pg_ctlcluster "$VERSION" "$cluster" start >&2
    fi
    for _ in $(seq 1 60); do
        if pg_isready -q -h 127.0.0.1 -p "$port"; then break; fi
        sleep 0.5
    done
    pg_isready -q -h 127.0.0.1 -p "$port" || { log "server on 127.0.0.1:$port is not ready"; exit 1; }
    # The role and the database (names and password through psql variables).
    as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres \
        -v role="$ROLE" -v password="$PASSWORD" -v db="$DB" >&2 <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'role', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
    log "PostgreSQL $VERSION/$cluster ready on 127.0.0.1:$port, database $DB"
    echo "$port"
}

# The server of the tests: the first cluster of that version (the package
# usually creates `main`; a container may have none, then it is created).
CLUSTER=$(pg_lsclusters --no-header 2>/dev/null | awk -v v="$VERSION" '$2 != "seg_restart" && $1 == v { print $2; exit }')
PORT=$(serve "${CLUSTER:-main}")
echo "export SEG_POSTGRES_URL=postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"

# A second, private cluster that one test restarts while it writes (the
# shared one cannot be restarted under the other tests).
RESTART_PORT=$(serve seg_restart)
RESTART_COMMAND="pg_ctlcluster $VERSION seg_restart restart"
[ "$(id -u)" -eq 0 ] || RESTART_COMMAND="sudo $RESTART_COMMAND"
echo "export SEG_POSTGRES_RESTART_URL=postgres://$ROLE:$PASSWORD@127.0.0.1:$RESTART_PORT/$DB"
echo "export SEG_POSTGRES_RESTART_COMMAND='$RESTART_COMMAND'"
