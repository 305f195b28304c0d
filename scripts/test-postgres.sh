#!/usr/bin/env bash
# Starts a local PostgreSQL cluster (Debian's postgresql package, installed if missing) for the
# feedback-store tests, creates the database b12_test, and prints its connection URL.
set -euo pipefail

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ ! -d /usr/lib/postgresql ]; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

if [ -z "$(pg_lsclusters -h)" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_createcluster "$version" main >&2
fi
read -r version name port status _ <<<"$(pg_lsclusters -h | head -1)"
if [ "$status" != "online" ]; then
  pg_ctlcluster "$version" "$name" start >&2
fi

as_postgres() { runuser -u postgres -- "$@"; }
as_postgres psql -p "$port" -qc "ALTER USER postgres PASSWORD 'b12-test'" >&2
if ! as_postgres psql -p "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = 'b12_test'" | grep -q 1; then
  as_postgres createdb -p "$port" b12_test >&2
fi
echo "postgresql://postgres:b12-test@127.0.0.1:${port}/b12_test"
