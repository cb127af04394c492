"""Composite writes of the entry pages and the API: a document saved and posted in one
transaction, a payment journal posted with its payments."""

from datetime import date
from decimal import Decimal as D

import pytest

from core.errors import ApplicationError
from entities.exceptions import ExchangeRateMissing
from receivables.models import CreditNote, Invoice, Payment, PaymentJournal
from receivables.services import (
    DocumentInput,
    DocumentLineInput,
    PaymentInput,
    document_save,
    invoice_create,
    payment_journal_post,
)

pytestmark = pytest.mark.django_db
MAR2 = date(2026, 3, 2)


def _input(customer, *, amount="100.00", currency=None) -> DocumentInput:
    return DocumentInput(
        legal_entity=customer.legal_entity,
        customer=customer,
        date=MAR2,
        currency=currency,
        lines=[DocumentLineInput("Work", D(amount))],
    )


def test_document_save_creates_a_draft_or_posts_it(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    draft = document_save(data=_input(customer), actor=None)
    assert isinstance(draft, Invoice) and draft.status == "draft"
    posted = document_save(data=_input(customer), actor=None, post=True)
    assert posted.status == "posted" and posted.number == "FAB-INV00000001"
    credit_note = document_save(data=_input(customer), actor=None, credit_note=True, post=True)
    assert isinstance(credit_note, CreditNote) and credit_note.number == "FAB-CN00000001"


def test_document_save_changes_a_draft_and_posts_it(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    draft = invoice_create(data=_input(customer), actor=None)
    data = _input(customer, amount="250.00")
    posted = document_save(data=data, actor=None, document=draft, post=True)
    assert (posted.pk, posted.status, posted.total) == (draft.pk, "posted", D("250.00"))


def test_document_save_that_cannot_post_leaves_no_draft(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    with pytest.raises(ExchangeRateMissing, match="GBP→USD on 2026-03-02"):
        document_save(data=_input(customer, currency="GBP"), actor=None, post=True)
    assert not Invoice.objects.exists()


def test_document_save_that_cannot_post_keeps_the_draft_as_it_was(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    draft = invoice_create(data=_input(customer), actor=None)
    with pytest.raises(ExchangeRateMissing):
        document_save(data=_input(customer, currency="GBP"), actor=None, document=draft, post=True)
    draft.refresh_from_db()
    assert (draft.status, draft.currency, draft.total) == ("draft", "USD", D("100.00"))


def _payment(customer, amount: str) -> PaymentInput:
    return PaymentInput(
        legal_entity=customer.legal_entity, customer=customer, date=MAR2, amount=D(amount)
    )


def test_payment_journal_post_posts_the_journal_and_its_payments(fabrikam, admin_user):
    customer = fabrikam["customers"]["FAB"]
    journal, payments = payment_journal_post(
        legal_entity=customer.legal_entity,
        inputs=[_payment(customer, "10.00"), _payment(customer, "20.00")],
        actor=admin_user,
        description="Bank statement 12",
    )
    assert (journal.status, journal.description, journal.created_by) == (
        "posted",
        "Bank statement 12",
        admin_user,
    )
    assert [p.number for p in payments] == ["FAB-PAY00000001", "FAB-PAY00000002"]
    assert set(Payment.objects.values_list("journal_id", flat=True)) == {journal.pk}


def test_payment_journal_post_with_a_bad_line_writes_nothing(fabrikam, admin_user):
    customer = fabrikam["customers"]["FAB"]
    with pytest.raises(ApplicationError) as raised:
        payment_journal_post(
            legal_entity=customer.legal_entity,
            inputs=[_payment(customer, "-5.00")],
            actor=admin_user,
        )
    assert list(raised.value.fields["payments"]) == [0]
    assert not PaymentJournal.objects.exists() and not Payment.objects.exists()
