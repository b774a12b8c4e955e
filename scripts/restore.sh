#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY PostgreSQL database.
#
#   scripts/restore.sh OUTFILE TARGET_DATABASE_URL
#
# Safety: the target must hold no tables, views or sequences. This script never restores over
# live data; to replace a database, create a new one, restore into it, verify it, and then point
# DATABASE_URL at it. The restore runs in a single transaction, so a failure leaves the target
# empty again. Restored reflections can be read only with the same FIELD_ENCRYPTION_KEYS.
set -euo pipefail

usage() {
    cat >&2 <<'USAGE'
usage: scripts/restore.sh OUTFILE TARGET_DATABASE_URL

  OUTFILE              a pg_dump custom-format archive written by scripts/backup.sh
  TARGET_DATABASE_URL  an existing, EMPTY database to restore into, e.g.
                       postgres://user@host:5432/trustapp_restored (make it with createdb)
USAGE
}

if [[ $# -eq 1 && ($1 == -h || $1 == --help) ]]; then
    usage
    exit 0
fi
if [[ $# -ne 2 || -z $1 || -z $2 ]]; then
    usage
    exit 2
fi
dumpfile=$1
target_url=$2

for tool in pg_restore psql; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "restore.sh: $tool is not installed (install the PostgreSQL client tools)." >&2
        exit 1
    fi
done

if [[ ! -f $dumpfile || ! -r $dumpfile ]]; then
    echo "restore.sh: cannot read the backup file $dumpfile." >&2
    exit 1
fi
if ! pg_restore --list "$dumpfile" >/dev/null; then
    echo "restore.sh: $dumpfile is not a pg_dump custom-format archive." >&2
    exit 1
fi

# Relations of any kind (tables, partitions, views, materialized views, sequences, foreign
# tables) outside PostgreSQL's own schemas mean the target is in use.
existing=$(psql --no-psqlrc --quiet --tuples-only --no-align --set=ON_ERROR_STOP=1 \
    --dbname="$target_url" --command="
        SELECT count(*) FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\_toast%'
          AND n.nspname NOT LIKE 'pg\_temp\_%'")
if [[ $existing != 0 ]]; then
    echo "restore.sh: refusing to restore: the target database already holds $existing tables," \
        "views or sequences. Restore only into a new, empty database (createdb)." >&2
    exit 1
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
    --dbname="$target_url" "$dumpfile"

# A dump carries no planner statistics: without them PostgreSQL scans whole tables for queries
# that should use an index (the bench measured 11-20 ms instead of 0.5 ms for the trust chart).
psql --quiet --no-psqlrc --dbname="$target_url" --command="ANALYZE"

echo "restore.sh: restored $dumpfile. Verify row counts before using it (docs/backup.md)." >&2
