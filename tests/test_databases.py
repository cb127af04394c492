"""`make test` runs twice: on PostgreSQL, then on SQLite as `make run` serves it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _make_run_database() -> dict:
    """The database settings `make run` gets: no DATABASE_URL, DEBUG on."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(DEBUG="true", DJANGO_SETTINGS_MODULE="config.settings")
    script = (
        "import json, django; django.setup(); from django.db import connections; "
        "print(json.dumps(connections['default'].settings_dict, default=str))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_the_sqlite_pass_uses_the_settings_make_run_serves_with():
    if connection.vendor != "sqlite":
        pytest.skip("compares the SQLite pass of make test with make run")
    served = _make_run_database()
    tested = connection.settings_dict
    assert served["ENGINE"] == tested["ENGINE"] == "django.db.backends.sqlite3"
    for key in ("OPTIONS", "CONN_MAX_AGE", "ATOMIC_REQUESTS", "AUTOCOMMIT", "TIME_ZONE"):
        assert json.loads(json.dumps(tested.get(key), default=str)) == served.get(key), key
