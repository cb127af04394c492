from datetime import date
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from receivables.models import OpenTransaction
from settlement.selectors import open_transactions_for_settlement
from tests.factories.entities import CashDiscountFactory, PaymentTermsFactory
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db


def test_open_transactions_for_settlement_reads_what_the_orm_reads(
    fabrikam, django_assert_num_queries
):
    discount = CashDiscountFactory(periods=[(10, Decimal("2")), (20, Decimal("1"))])
    invoice = post_invoice(
        fabrikam["customers"]["FABE"],
        amounts=["600.00"],
        terms=PaymentTermsFactory(),
        cash_discount=discount,
    ).open_transaction
    payment = post_payment(fabrikam["customers"]["FAB"], amount="580.00").open_transaction
    ids = [payment.pk, invoice.pk, 999_999]
    with django_assert_num_queries(1):
        transactions, schedules = open_transactions_for_settlement(ids, lock=False)
        # Entity, customer and party come with the row: no further query.
        related = [
            (t.legal_entity.code, t.customer.account, t.customer.legal_entity.code, t.party.number)
            for t in transactions.values()
        ]
    assert related == [("FABE", "4000", "FABE", "4050"), ("FAB", "4000", "FAB", "4050")]
    assert list(transactions) == sorted([payment.pk, invoice.pk])
    for pk, read in transactions.items():
        expected = OpenTransaction.objects.select_related("legal_entity", "customer", "party").get(
            pk=pk
        )
        assert model_to_dict(read) == model_to_dict(expected)
        assert (read.created_at, read.closed_on) == (expected.created_at, expected.closed_on)
        assert model_to_dict(read.legal_entity) == model_to_dict(expected.legal_entity)
        assert model_to_dict(read.customer) == model_to_dict(expected.customer)
        assert read.party == expected.party and read.party.number == "4050"
        assert read._state.adding is False
    assert schedules[payment.pk] == []
    assert schedules[invoice.pk] == [
        (d.until, d.percent) for d in invoice.cash_discounts.order_by("until")
    ]
    assert [percent for _, percent in schedules[invoice.pk]] == [Decimal("2"), Decimal("1")]
    assert schedules[invoice.pk][0][0] == date(2026, 3, 12)
