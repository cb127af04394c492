"""Settling many invoices with one payment costs a constant number of queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from settlement.services import SettlementLineInput, settlement_create
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db


def _settle_many(fabrikam, count: int) -> int:
    customers = [fabrikam["customers"][code] for code in ("FAB", "FABE", "FABW")]
    invoices = [
        post_invoice(customers[i % 3], amounts=["10.00"]).open_transaction.pk for i in range(count)
    ]
    payment = post_payment(customers[0], amount=str(Decimal(10 * count))).open_transaction.pk
    lines = [SettlementLineInput(payment)] + [SettlementLineInput(pk) for pk in invoices]
    with CaptureQueriesContext(connection) as queries:
        settlement_create(lines=lines, on=date(2026, 3, 9), primary=None, actor=None)
    return len(queries)


def test_settling_many_invoices_uses_a_constant_number_of_queries(
    fabrikam, django_assert_max_num_queries
):
    _settle_many(fabrikam, 2)  # warm the content-type cache of the audit trail
    small = _settle_many(fabrikam, 6)
    large = _settle_many(fabrikam, 150)
    assert large == small <= 25
