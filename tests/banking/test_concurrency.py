"""Two clerks at once on real PostgreSQL with real threads: posting the same statement posts
each line once; importing the same file stores it once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from banking.exceptions import StatementAlreadyImported
from banking.models import BankStatement, BankStatementLine
from banking.services.imports import statement_import
from banking.services.lines import MarkedInput, line_posting_type_set, line_transactions_mark
from banking.services.posting import statement_post
from core.errors import ApplicationError
from ledger.selectors import ledger_integrity_problems
from receivables.models import OpenTransaction, Payment
from settlement.models import Settlement
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice

from .camt import camt053
from .conftest import FAB_IBAN
from .helpers import line, statement_with

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql("row locks taken by threads on their own connections"),
]
D = Decimal
Status = BankStatementLine.Status


def run_at_once(targets) -> list:
    """Run each target in its own thread, released together; what each returned or raised."""
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)

    def run(index, target):
        try:
            barrier.wait(10)
            results[index] = target()
        except ApplicationError as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_statement_post_by_two_clerks_at_once_posts_each_line_once(bank):
    customers = bank["customers"]
    first = post_invoice(customers["FAB"], amounts=("100.00",))
    second = post_invoice(customers["FABE"], amounts=("600.00",))
    third = post_invoice(customers["FAB"], amounts=("80.00",))
    statement = statement_with(
        bank,
        [{"amount": "100.00"}, {"amount": "600.00"}, {"amount": "30.00"}, {"amount": "-2.50"}],
    )
    clerks = [make_clerk(name, bank["FAB"], bank["FABE"]) for name in ("anna", "ben")]
    for sequence, invoice in ((1, first), (2, second), (3, third)):
        line_transactions_mark(
            line=line(statement, sequence),
            transactions=[MarkedInput(invoice.open_transaction.pk)],
            actor=clerks[0],
        )
    line_posting_type_set(line=line(statement, 4), posting_type="bank_charges", actor=clerks[0])

    results = run_at_once(
        [lambda clerk=clerk: statement_post(statement=statement, actor=clerk) for clerk in clerks]
    )

    for result in results:
        assert not isinstance(result, ApplicationError), result
        assert [(r.line.sequence, r.line.status, r.error) for r in result] == [
            (1, Status.POSTED, None),
            (2, Status.POSTED, None),
            (3, Status.POSTED, None),
            (4, Status.POSTED, None),
        ]
    lines = list(BankStatementLine.objects.filter(statement=statement).order_by("sequence"))
    assert [x.status for x in lines] == [Status.POSTED] * 4
    # One payment and one settlement per paying line, one voucher for the charges.
    assert Payment.objects.count() == 3
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [
        D("30.00"),
        D("100.00"),
        D("600.00"),
    ]
    assert Settlement.objects.count() == 3
    assert len({x.payment_id for x in lines[:3]}) == 3
    assert lines[3].voucher_id is not None and lines[3].payment_id is None
    open_amounts = {
        ot.pk: ot.open_amount
        for ot in OpenTransaction.objects.filter(
            pk__in=[d.open_transaction.pk for d in (first, second, third)]
        )
    }
    assert open_amounts == {
        first.open_transaction.pk: D("0.00"),
        second.open_transaction.pk: D("0.00"),
        third.open_transaction.pk: D("50.00"),
    }
    assert ledger_integrity_problems() == []


def test_statement_import_of_the_same_file_at_once_stores_it_once(bank):
    clerks = [make_clerk(name, bank["FAB"]) for name in ("anna", "ben")]
    data = camt053(
        iban=FAB_IBAN,
        entries=[{"amount": "100.00", "ref": "A"}, {"amount": "-1.00", "ref": "B"}],
    )

    results = run_at_once(
        [
            lambda clerk=clerk: statement_import(
                bank_account=bank["account"], fmt="camt053", data=data, actor=clerk, match=False
            )
            for clerk in clerks
        ]
    )

    stored = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(stored) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], StatementAlreadyImported)
    assert refused[0].http_status == 409
    assert refused[0].message.startswith("This file was already imported as statement STMT-1")
    assert BankStatement.objects.count() == 1
    assert BankStatementLine.objects.count() == 2
