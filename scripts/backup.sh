#!/usr/bin/env bash
# Back up a TrustApp PostgreSQL database with pg_dump, in pg_dump's custom format.
#
#   scripts/backup.sh DATABASE_URL OUTFILE
#
# The dump is written beside OUTFILE under a temporary name, checked as a readable archive, and
# only then moved to OUTFILE, so a failed or interrupted run never leaves a half-written file
# under the real name. The dump holds no FIELD_ENCRYPTION_KEYS: keep those elsewhere (docs/backup.md).
set -euo pipefail

usage() {
    cat >&2 <<'USAGE'
usage: scripts/backup.sh DATABASE_URL OUTFILE

  DATABASE_URL  the database to back up, e.g. postgres://user@host:5432/trustapp
                (prefer ~/.pgpass or PGPASSWORD to a password inside the URL)
  OUTFILE       where to write the pg_dump custom-format archive (restore with scripts/restore.sh)
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
database_url=$1
outfile=$2

for tool in pg_dump pg_restore; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "backup.sh: $tool is not installed (install the PostgreSQL client tools)." >&2
        exit 1
    fi
done

if [[ -e $outfile ]]; then
    echo "backup.sh: $outfile already exists; choose a new name rather than overwrite a backup." >&2
    exit 1
fi
outdir=$(dirname -- "$outfile")
if [[ ! -d $outdir ]]; then
    echo "backup.sh: the directory $outdir does not exist." >&2
    exit 1
fi

# The dump holds accounts, email addresses and encrypted private writing: readable by its owner only.
umask 077
partial="$outfile.partial.$$"
trap 'rm -f -- "$partial"' EXIT

pg_dump --format=custom --no-owner --no-privileges --dbname="$database_url" --file="$partial"
# A dump that pg_restore can't list can't be restored either: find that out now, not on the bad day.
pg_restore --list "$partial" >/dev/null
mv -- "$partial" "$outfile"
trap - EXIT

echo "backup.sh: wrote $outfile ($(wc -c <"$outfile" | tr -d ' ') bytes)." >&2
