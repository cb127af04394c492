#!/bin/sh
# Container entry point: wait for PostgreSQL (when DATABASE_URL points at it), apply migrations
# when RUN_MIGRATIONS=1 (only the web service sets it), then hand over to the command.
set -e

if [ -n "${DATABASE_URL:-}" ]; then
    python - <<'PY'
import os
import sys
import time

import psycopg

url = os.environ["DATABASE_URL"]
scheme, sep, rest = url.partition("://")
if not sep or scheme.lower() not in {"postgres", "postgresql", "postgis", "pgsql"}:
    sys.exit(0)  # not PostgreSQL: nothing to wait for
url = "postgresql://" + rest  # libpq only knows postgres:// and postgresql://

timeout = float(os.environ.get("DB_WAIT_TIMEOUT", "60"))
deadline = time.monotonic() + timeout
attempt = 0
while True:
    attempt += 1
    try:
        with psycopg.connect(url, connect_timeout=3):
            pass
    except psycopg.OperationalError as exc:
        if time.monotonic() >= deadline:
            print(f"entrypoint: database not reachable after {timeout:.0f}s: {exc}", file=sys.stderr)
            sys.exit(1)
        if attempt == 1:
            print("entrypoint: waiting for the database...", file=sys.stderr)
        time.sleep(2)
    else:
        print("entrypoint: database is up", file=sys.stderr)
        break
PY
fi

if [ "${RUN_MIGRATIONS:-0}" = "1" ]; then
    python manage.py migrate --noinput
fi

exec "$@"
