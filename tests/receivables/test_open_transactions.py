from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from receivables.exceptions import OpenAmountExceeded
from receivables.models import OpenTransaction
from receivables.selectors import open_transactions_for_update
from receivables.services import (
    OpenAmountChange,
    accounting_amount_taken,
    open_transaction_reduce,
    open_transaction_restore,
)
from tests.factories.receivables import post_invoice, post_payment

D = Decimal
MAR9, MAR20 = date(2026, 3, 9), date(2026, 3, 20)


@pytest.mark.parametrize(
    ("amount", "open_amount", "open_accounting", "rate", "currency", "expected"),
    [
        # All that is open: exactly the open accounting amount, whatever the rate gives.
        ("100.00", "100.00", "120.62", "1.2277", "USD", "120.62"),
        ("50.00", "-50.00", "-60.31", "1.2062", "USD", "60.31"),
        ("1000", "1000", "7.33", "0.0071", "EUR", "7.33"),
        # Part of it: the amount at the document's rate, half up to the currency's units.
        ("33.33", "100.00", "120.62", "1.2062", "USD", "40.20"),
        ("20.00", "-50.00", "-60.31", "1.2062", "USD", "24.12"),
        ("0.01", "10.00", "1500", "150", "JPY", "2"),
        ("10.00", "100.00", "100.00", "1", "USD", "10.00"),
        # Never more than is open, even when the rate would give more.
        ("99.99", "100.00", "120.00", "1.2277", "USD", "120.00"),
        ("49.99", "-50.00", "-60.00", "1.2277", "USD", "60.00"),
    ],
)
def test_accounting_amount_taken(amount, open_amount, open_accounting, rate, currency, expected):
    taken = accounting_amount_taken(
        amount=D(amount),
        open_amount=D(open_amount),
        open_accounting_amount=D(open_accounting),
        rate=D(rate),
        accounting_currency=currency,
    )
    assert taken == D(expected)
    assert str(taken) == expected


def _stored(pk: int) -> tuple:
    return OpenTransaction.objects.values_list(
        "open_amount", "open_accounting_amount", "closed_on"
    ).get(pk=pk)


@pytest.mark.django_db
def test_open_transaction_reduce_and_restore_write_one_statement(
    fabrikam, django_assert_num_queries
):
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["600.00"]).open_transaction
    payment = post_payment(fabrikam["customers"]["FAB"], amount="250.00").open_transaction
    with transaction.atomic():
        locked = open_transactions_for_update([payment.pk, invoice.pk, 999_999])
        assert list(locked) == sorted([invoice.pk, payment.pk])
        changes = [
            OpenAmountChange(locked[invoice.pk], D("250.00"), D("250.00")),
            OpenAmountChange(locked[payment.pk], D("-250.00"), D("-250.00")),
        ]
        with django_assert_num_queries(1):
            open_transaction_reduce(changes=changes, on=MAR9)
    assert _stored(invoice.pk) == (D("350.00"), D("350.00"), None)
    assert _stored(payment.pk) == (D("0"), D("0"), MAR9)

    with transaction.atomic():
        locked = open_transactions_for_update([invoice.pk, payment.pk])
        with django_assert_num_queries(1):
            open_transaction_restore(
                changes=[OpenAmountChange(locked[payment.pk], D("-250.00"), D("-250.00"))]
            )
        open_transaction_reduce(
            changes=[OpenAmountChange(locked[invoice.pk], D("350.00"), D("350.00"))], on=MAR20
        )
    assert _stored(payment.pk) == (D("-250.00"), D("-250.00"), None)
    assert _stored(invoice.pk) == (D("0"), D("0"), MAR20)


@pytest.mark.django_db
def test_open_transaction_restore_refuses_above_the_amount(fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["600.00"]).open_transaction
    with transaction.atomic():
        locked = open_transactions_for_update([invoice.pk])[invoice.pk]
        open_transaction_reduce(changes=[OpenAmountChange(locked, D("100"), D("100"))], on=MAR9)
        with pytest.raises(OpenAmountExceeded, match=r"would reopen above its amount\.") as error:
            open_transaction_restore(changes=[OpenAmountChange(locked, D("100.01"), D("100.01"))])
    assert error.value.open_transaction.pk == invoice.pk
    assert locked.open_amount == D("500.00")
    assert _stored(invoice.pk) == (D("500.00"), D("500.00"), None)
