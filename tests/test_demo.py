"""The demo that `make run` loads: once, idempotent, and servable on the zero-setup defaults."""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def _row_counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in {"entities", "ledger", "receivables", "auth"}
    }


@pytest.mark.django_db
def test_load_demo_twice_duplicates_nothing(capsys):
    call_command("load_demo")
    first = _row_counts()
    assert first["entities.LegalEntity"] == 3
    assert first["entities.Party"] >= 13
    assert first["entities.Customer"] >= 15
    assert first["receivables.Invoice"] == 7 and first["receivables.Payment"] == 2
    assert first["receivables.RecurringInvoiceAssignment"] == 1
    assert first["receivables.InterestCode"] >= 1
    call_command("load_demo")
    assert _row_counts() == first
    assert "already loaded" in capsys.readouterr().out
    from entities.models import Customer

    northwind = Customer.objects.filter(party__number="4050").values_list(
        "legal_entity__code", "account"
    )
    assert sorted(northwind) == [("FAB", "4000"), ("FABE", "4000"), ("FABW", "10000")]


@pytest.mark.django_db
def test_demo_collections_gives_each_agent_their_customers_and_a_pool(settings, tmp_path):
    """Each collections agent works the customers of their legal entities, has a pool of
    them that the collections page applies, and signs in with the demo password; once."""
    from django.contrib.auth import get_user_model

    from collections_app.models import CollectionsProfile, CustomerPool
    from collections_app.selectors.collections import collections_lines
    from collections_app.services.periods import aging_period_set_default_ensure
    from entities.models import Customer

    settings.VAR_DIR = str(tmp_path)
    (tmp_path / "demo-sign-in.txt").write_text("demo-pass-456\n")
    call_command("load_demo")
    call_command("demo_aging")
    call_command("demo_collections")
    pools = {p.code: p.criteria for p in CustomerPool.objects.all()}
    assert pools == {
        "AGENT-EAST": {"agent": "collector-east", "legal_entities": ["FABE"]},
        "AGENT-WEST": {"agent": "collector-west", "legal_entities": ["FAB", "FABW"]},
    }
    agents = set(
        CollectionsProfile.objects.values_list("customer__legal_entity__code", "agent__username")
    )
    assert agents == {
        ("FAB", "collector-west"),
        ("FABE", "collector-east"),
        ("FABW", "collector-west"),
    }
    assert CollectionsProfile.objects.count() == Customer.objects.count()
    west = get_user_model().objects.get(username="collector-west")
    assert west.check_password("demo-pass-456")
    lines = collections_lines(
        west,
        period_set=aging_period_set_default_ensure(),
        criteria=pools["AGENT-WEST"],
        agent_id=west.pk,
    )
    codes = set(lines.values_list("snapshot__legal_entity__code", flat=True))
    assert lines.exists() and codes <= {"FAB", "FABW"}
    before = CollectionsProfile.objects.count()
    call_command("demo_collections")
    assert CollectionsProfile.objects.count() == before
    assert CustomerPool.objects.count() == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_run_steps_on_sqlite_and_embedded_broker(tmp_path):
    """What `make run` does, on a fresh var/ folder with no external service."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY"}
    }
    env.update(
        DEBUG="true",
        VAR_DIR=str(tmp_path),
        DEMO_PASSWORD="demo-pass-123",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    (tmp_path / "celery-broker" / "processed").mkdir(parents=True)
    (tmp_path / "celery-broker" / "control").mkdir(parents=True)

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    manage("migrate", "--noinput")
    assert "Demo data loaded" in manage("load_demo")
    assert "already loaded" in manage("load_demo")
    # The collections page has figures from the first sign-in: the demo is aged once.
    aged = manage("demo_aging")
    assert "Aging snapshot job" in aged and ": done," in aged, aged
    assert "exist already" in manage("demo_aging")
    assert "password: demo-pass-123" in manage("demo_admin")
    assert "pool AGENT-WEST" in manage("demo_collections")
    assert "already loaded" in manage("demo_collections")
    statement = tmp_path / "demo-statement.xml"
    assert "import it for bank account DEMO-USD" in manage(
        "demo_statement", "--out", str(statement)
    )
    assert b"camt.053.001.08" in statement.read_bytes()
    assert (tmp_path / "db.sqlite3").exists()

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as r:
                    assert r.status == 200
                    assert b"Sign in" in r.read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        # The worker consumes from the filesystem broker: a task sent is picked up.
        sent = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from ledger.tasks import ledger_integrity_check; "
                "ledger_integrity_check.delay()",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert sent.returncode == 0, sent.stderr
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(worker.stdout), daemon=True).start()
        deadline = time.monotonic() + 30
        while not any("ledger_integrity_check" in x and "succeeded" in x for x in lines):
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
    finally:
        server.terminate()
        worker.terminate()
        server.wait(timeout=10)
        worker.wait(timeout=10)
