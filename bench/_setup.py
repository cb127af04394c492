"""Shared set-up of the bench scripts: Django on a dedicated PostgreSQL database."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/receivables_bench"
)


def django_setup(migrate: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    # The API is called in-process by Django's test client over plain HTTP.
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    if migrate:
        _create_database()
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def _create_database() -> None:
    from urllib.parse import urlparse

    import psycopg

    url = urlparse(BENCH_DATABASE_URL)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def reset_ledger() -> None:
    """Empty the ledger tables. Row DELETEs and TRUNCATE are refused by the ledger's triggers;
    the bench database's superuser gets past them as PostgreSQL replication, which fires no
    ordinary trigger."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "TRUNCATE settlement_settlementline, settlement_settlement_vouchers, "
            "settlement_settlement_reversal_vouchers, settlement_settlement, "
            "receivables_opentransactiondiscount, receivables_opentransaction, "
            "receivables_invoiceline, receivables_creditnoteline, receivables_creditnote, "
            "receivables_invoice, receivables_payment, receivables_paymentjournal, "
            "ledger_ledgerentry, ledger_voucher, entities_auditentry, entities_idempotencykey "
            "RESTART IDENTITY CASCADE"
        )
        cursor.execute("UPDATE ledger_numbersequence SET next_value = 1")
