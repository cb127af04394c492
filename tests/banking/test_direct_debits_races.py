"""Two collection runs at once over the same debits, in real threads on PostgreSQL: the debits
are collected once; the other run is refused (409) or finds nothing left, and posts nothing."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from banking.exceptions import CollectionConflict, CollectionInvalid
from banking.models import DirectDebitCollection, DirectDebitPayment
from banking.services.direct_debits import collection_run
from ledger.selectors import ledger_integrity_problems
from receivables.models import OpenTransaction, Payment
from settlement.models import SettlementLine
from tests.factories.entities import CustomerFactory, PartyFactory

from .dd_helpers import collect_on, invoice_for, mandate_for

pytestmark = [
    pytest.mark.postgresql("row locks taken by concurrent threads"),
    pytest.mark.django_db(transaction=True),
]

MANDATES = 40


def _collection(dd) -> DirectDebitCollection:
    return DirectDebitCollection.objects.create(
        legal_entity=dd["entity"],
        bank_account=dd["account"],
        collection_date=collect_on(),
        due_until=collect_on(),
        currency="EUR",
    )


def test_collection_run_twice_at_once_never_collects_a_debit_twice(dd, admin_user):
    for n in range(3, MANDATES):
        dd["customers"].append(
            CustomerFactory(
                legal_entity=dd["entity"],
                account=f"6{n:03d}",
                party=PartyFactory(number=f"P6{n:03d}"),
                currency="EUR",
            )
        )
    for n in range(MANDATES):
        mandate_for(dd, n, reference=f"RACE-{n:03d}")
        invoice_for(dd, n, "100.00")
        invoice_for(dd, n, "0.01")
    runs = [_collection(dd), _collection(dd)]
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def work(collection):
        try:
            barrier.wait()
            outcomes[collection.pk] = collection_run(collection=collection, actor=admin_user)
        except (CollectionConflict, CollectionInvalid) as error:
            outcomes[collection.pk] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    won = [o for o in outcomes.values() if isinstance(o, DirectDebitCollection)]
    lost = [o for o in outcomes.values() if not isinstance(o, DirectDebitCollection)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].http_status in (409, 400)  # refused at once, or nothing left when it read
    assert won[0].count == MANDATES
    assert won[0].total == Decimal("100.01") * MANDATES
    assert DirectDebitPayment.objects.filter(collection=won[0]).count() == MANDATES
    assert Payment.objects.count() == MANDATES
    debits = OpenTransaction.objects.filter(kind="invoice")
    assert set(debits.values_list("open_amount", flat=True)) == {Decimal("0")}
    # Each debit settled exactly once.
    settled = SettlementLine.objects.filter(open_transaction__kind="invoice")
    assert settled.count() == 2 * MANDATES
    assert settled.values("open_transaction").distinct().count() == 2 * MANDATES
    assert ledger_integrity_problems() == []
