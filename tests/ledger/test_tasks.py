"""Celery tasks run by a real worker over Redis."""

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from ledger.selectors import ledger_integrity_problems
from ledger.tasks import ledger_integrity_check
from tests.factories.ledger import post_simple_voucher


@pytest.mark.django_db(transaction=True)
def test_ledger_integrity_check_runs_on_a_real_worker(fabrikam, redis_url, settings):
    assert app.conf.broker_url.startswith("redis://")
    post_simple_voucher(fabrikam["FAB"])
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        result = ledger_integrity_check.delay()
        assert result.get(timeout=30) == []


@pytest.mark.django_db
def test_ledger_integrity_problems_finds_an_unbalanced_entity(fabrikam):
    from decimal import Decimal

    from django.db import transaction

    from ledger.models import LedgerEntry

    voucher = post_simple_voucher(fabrikam["FAB"])
    assert ledger_integrity_problems() == []
    # Damage the database refuses at commit: looked at inside a savepoint that is rolled back.
    line = voucher.lines.first()
    with transaction.atomic():
        LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    voucher=voucher,
                    legal_entity=line.legal_entity,
                    date=line.date,
                    account=line.account,
                    posting_type="bank",
                    currency="USD",
                    amount=Decimal("1.00"),
                    accounting_amount=Decimal("1.00"),
                )
            ]
        )
        problems = ledger_integrity_problems()
        transaction.set_rollback(True)
    assert {p.problem for p in problems} == {
        "accounting amounts sum to 1.0000, not zero",
        f"voucher {voucher.number} does not balance in USD",
    }
