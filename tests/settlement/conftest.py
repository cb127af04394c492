from datetime import date

import pytest

from settlement.services import SettlementLineInput, settlement_create
from tests.factories.receivables import post_invoice, post_payment

MAR9 = date(2026, 3, 9)


@pytest.fixture
def settled(fabrikam):
    """Invoice FABE 600.00 settled on 2026-03-09 by payment FAB 600.00 (A1): (fabrikam, the
    settlement, the invoice, the payment)."""
    invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"])
    payment = post_payment(fabrikam["customers"]["FAB"], amount="600.00")
    settlement = settlement_create(
        lines=[
            SettlementLineInput(transaction=payment.open_transaction.pk),
            SettlementLineInput(transaction=invoice.open_transaction.pk),
        ],
        on=MAR9,
        primary=None,
        actor=None,
    )
    return fabrikam, settlement, invoice, payment
