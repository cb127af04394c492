"""A payment and settlement a bill of exchange, a card or a direct debit posted are reversed by
that instrument, never through the payments or settlements pages and API (the money the bank
or the gateway moved would be forgotten and the invoices owed twice)."""

import pytest

from core.errors import Conflict
from receivables.models import DocumentStatus
from receivables.services import payment_reverse
from settlement.exceptions import SettlementConflict
from settlement.models import Settlement
from settlement.services import settlement_reverse

from .bills import draw
from .dd_helpers import invoice_for, mandate_for
from .test_cards_services import ON, authorize
from .test_direct_debits import run

pytestmark = pytest.mark.django_db


def assert_guarded(payment, settlement, actor, says: str) -> None:
    with pytest.raises(SettlementConflict, match=says):
        settlement_reverse(settlement=settlement, actor=actor)
    with pytest.raises(Conflict, match=says):
        payment_reverse(payment=payment, actor=actor)
    payment.refresh_from_db()
    settlement.refresh_from_db()
    assert payment.status == DocumentStatus.POSTED
    assert settlement.status == Settlement.Status.POSTED


def test_a_bills_draw_is_not_reversed_by_hand(bank, admin_user):
    bill = draw(bank, actor=admin_user)
    assert_guarded(bill.payment, bill.settlement, admin_user, "bill of exchange")


def test_a_card_capture_is_not_reversed_by_hand(bank, admin_user):
    from banking.services.cards import card_payment_capture

    _invoice, card_payment = authorize(bank)
    card_payment = card_payment_capture(card_payment=card_payment, actor=None, on=ON)
    assert_guarded(card_payment.payment, card_payment.settlement, admin_user, "card payment")


def test_a_direct_debit_collection_is_not_reversed_by_hand(
    dd, admin_user, django_capture_on_commit_callbacks
):
    mandate_for(dd, 1)
    invoice_for(dd, 1, "100.00")
    collection = run(dd, admin_user, django_capture_on_commit_callbacks)
    collected = collection.payments.get()
    settlement = Settlement.objects.get(lines__open_transaction__payment=collected.payment)
    assert_guarded(collected.payment, settlement, admin_user, "direct debit")


def test_an_invoice_a_card_payment_holds_is_not_corrected(bank, admin_user):
    from datetime import date

    from banking.services.cards import card_payment_void
    from receivables.exceptions import DocumentSettled
    from receivables.models import CreditNote
    from settlement.services import invoice_correct

    invoice, card_payment = authorize(bank)
    with pytest.raises(
        DocumentSettled,
        match=rf"Invoice {invoice.number} is held by card payment {card_payment.pk} "
        r"\(authorized\): capture or void it first.",
    ):
        invoice_correct(invoice=invoice, on=date(2026, 3, 20), actor=admin_user)
    assert not CreditNote.objects.exists()
    card_payment_void(card_payment=card_payment, actor=admin_user)
    done = invoice_correct(invoice=invoice, on=date(2026, 3, 20), actor=admin_user)
    assert done.credit_note.total == invoice.total
