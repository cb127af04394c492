"""Concurrent settlements on real PostgreSQL with real threads: one wins, the others get a
conflict; no transaction is ever over-settled and the books stay balanced."""

import random
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from core.aggregates import DecimalSum
from core.errors import ApplicationError
from ledger.models import LedgerEntry
from ledger.selectors import ledger_integrity_problems
from receivables.models import OpenTransaction
from settlement.exceptions import SettlementConflict
from settlement.models import Settlement, SettlementLine
from settlement.services import SettlementLineInput, settlement_create
from tests.factories.receivables import post_invoice, post_payment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql("row locks taken by threads on their own connections"),
]
MAR9 = date(2026, 3, 9)


def _in_thread(target, results, index):
    try:
        results[index] = target()
    except ApplicationError as error:
        results[index] = error
    finally:
        connection.close()


def test_a_held_transaction_gives_a_conflict_at_once(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["100.00"]).open_transaction
    payment = post_payment(customer, amount="100.00").open_transaction
    held, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            list(OpenTransaction.objects.select_for_update().filter(pk=invoice.pk))
            held.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    results = [None]
    worker = threading.Thread(
        target=_in_thread,
        args=(
            lambda: settlement_create(
                lines=[SettlementLineInput(payment.pk), SettlementLineInput(invoice.pk)],
                on=MAR9,
                primary=None,
                actor=None,
            ),
            results,
            0,
        ),
    )
    worker.start()
    worker.join(10)
    release.set()
    holder.join(10)
    assert isinstance(results[0], SettlementConflict)
    assert results[0].http_status == 409
    assert Settlement.objects.count() == 0
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("100.00")


def test_eight_threads_settling_overlapping_sets(fabrikam):
    rng = random.Random(7)
    customers = [fabrikam["customers"][code] for code in ("FAB", "FABE", "FABW")]
    invoices = [
        post_invoice(
            rng.choice(customers), amounts=[f"{rng.randint(50, 500)}.00"]
        ).open_transaction.pk
        for _ in range(6)
    ]
    payments = [
        post_payment(rng.choice(customers), amount=f"{rng.randint(50, 500)}.00").open_transaction.pk
        for _ in range(6)
    ]
    sets = [[rng.choice(payments), *rng.sample(invoices, 2)] for _ in range(8)]
    barrier = threading.Barrier(8)
    results: list = [None] * 8

    def run(lines):
        def target():
            barrier.wait(10)
            return settlement_create(
                lines=[SettlementLineInput(pk) for pk in lines], on=MAR9, primary=None, actor=None
            )

        return target

    threads = [
        threading.Thread(target=_in_thread, args=(run(s), results, i)) for i, s in enumerate(sets)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    winners = [r for r in results if isinstance(r, Settlement)]
    losers = [r for r in results if isinstance(r, ApplicationError)]
    assert len(winners) + len(losers) == 8
    assert winners, "at least one settlement goes through"
    for loser in losers:
        assert loser.http_status in (400, 409), loser  # conflict, or nothing left to close
    # Exactly as if the winners had run one after another: every open amount is its amount
    # less what the posted settlements took, and never crosses zero.
    for ot in OpenTransaction.objects.all():
        taken = (
            SettlementLine.objects.filter(
                open_transaction=ot, settlement__status="posted"
            ).aggregate(s=DecimalSum("amount"))["s"]
            or 0
        )
        assert ot.open_amount == ot.amount - taken
        assert abs(ot.open_amount) <= abs(ot.amount)
        assert (ot.open_amount >= 0) == (ot.amount > 0) or ot.open_amount == 0
    assert ledger_integrity_problems() == []
    for entity in ("FAB", "FABE", "FABW"):
        balance = (
            LedgerEntry.objects.filter(
                legal_entity=fabrikam[entity], posting_type="customer_balance"
            ).aggregate(s=DecimalSum("accounting_amount"))["s"]
            or 0
        )
        opened = (
            OpenTransaction.objects.filter(legal_entity=fabrikam[entity]).aggregate(
                s=DecimalSum("open_accounting_amount")
            )["s"]
            or 0
        )
        assert balance == opened
