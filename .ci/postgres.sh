#!/usr/bin/env bash
# Starts a local PostgreSQL for the ledger's real-server tests and prints the environment the tests
# read (TEMPLAR_TEST_POSTGRES_*). Installs Debian's postgresql first when the machine has none.
# Idempotent: safe to run on a machine where it already ran.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing postgresql from Debian's packages..." >&2
  export DEBIAN_FRONTEND=noninteractive
  for attempt in 1 2 3; do
    if apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2; then
      break
    fi
    echo "apt-get failed (attempt $attempt); retrying" >&2
    sleep 5
  done
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main "; then
  pg_createcluster "$version" main >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $4 }' | grep -q online; then
  pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$port" >&2
su postgres -c "psql -q -p $port -v ON_ERROR_STOP=1" >&2 <<'SQL'
DROP DATABASE IF EXISTS templar_test WITH (FORCE);
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'templar_test') THEN
    CREATE ROLE templar_test LOGIN PASSWORD 'templar_test';
  END IF;
END $$;
CREATE DATABASE templar_test OWNER templar_test;
SQL
echo "export TEMPLAR_TEST_POSTGRES_URL=jdbc:postgresql://127.0.0.1:$port/templar_test"
echo "export TEMPLAR_TEST_POSTGRES_USER=templar_test"
echo "export TEMPLAR_TEST_POSTGRES_PASSWORD=templar_test"
