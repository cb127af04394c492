"""A small book aged by hand on 2026-06-30 with the default periods (Current, 1–30, 31–60,
61–90, Over 90; days overdue = 2026-06-30 − due date).

FAB/4000 (party 4050): invoice 100.00 due 2026-07-20 (current); 200.00 due 06-10 (20 days);
300.00 due 05-01 (60 days); 400.00 due 03-01 (121 days); 500.00 due 04-15 (76 days) of which
200.00 is settled by a payment, 300.00 open; an unapplied payment of 150.00 on 06-25 (5 days).
FABE/4000 (party 4050): invoice 1,000.00 due 06-30 (0 days: current); credit note 250.00 on
05-31 (30 days); invoice 80.00 due 03-31 (91 days); invoice 999.00 dated 07-05, after the
as-of date (left out).
FAB/5000 (party 5000): invoice 50.00 due 04-01 (90 days).
"""

from datetime import date
from decimal import Decimal

import pytest

from receivables.models import OpenTransaction
from settlement.services import SettlementLineInput, settlement_create
from tests.factories.entities import CustomerFactory, PartyFactory, PaymentTermsFactory
from tests.factories.receivables import post_credit_note, post_invoice, post_payment

AS_OF = date(2026, 6, 30)
LABELS = ["Current", "1–30", "31–60", "61–90", "Over 90"]


@pytest.fixture
def book(fabrikam):
    fab_4000 = fabrikam["customers"]["FAB"]
    fabe_4000 = fabrikam["customers"]["FABE"]
    contoso = PartyFactory(number="5000", name="Contoso")
    fab_5000 = CustomerFactory(legal_entity=fabrikam["FAB"], account="5000", party=contoso)
    n30 = PaymentTermsFactory(code="N30", net_days=30)

    post_invoice(fab_4000, amounts=["100.00"], on=date(2026, 6, 20), terms=n30)
    post_invoice(fab_4000, amounts=["200.00"], on=date(2026, 6, 10))
    post_invoice(fab_4000, amounts=["300.00"], on=date(2026, 5, 1))
    post_invoice(fab_4000, amounts=["400.00"], on=date(2026, 3, 1))
    partly = post_invoice(fab_4000, amounts=["500.00"], on=date(2026, 4, 15))
    paid = post_payment(fab_4000, amount="200.00", on=date(2026, 4, 20))
    settlement_create(
        lines=[
            SettlementLineInput(transaction=partly.open_transaction.pk),
            SettlementLineInput(transaction=OpenTransaction.objects.get(payment=paid).pk),
        ],
        on=date(2026, 4, 20),
        primary=None,
        actor=None,
    )
    post_payment(fab_4000, amount="150.00", on=date(2026, 6, 25))

    post_invoice(fabe_4000, amounts=["1000.00"], on=date(2026, 6, 30))
    post_credit_note(fabe_4000, amounts=["250.00"], on=date(2026, 5, 31))
    post_invoice(fabe_4000, amounts=["80.00"], on=date(2026, 3, 31))
    post_invoice(fabe_4000, amounts=["999.00"], on=date(2026, 7, 5))

    post_invoice(fab_5000, amounts=["50.00"], on=date(2026, 4, 1))
    return {**fabrikam, "fab_4000": fab_4000, "fabe_4000": fabe_4000, "fab_5000": fab_5000}


def D(value: str) -> Decimal:
    return Decimal(value)
