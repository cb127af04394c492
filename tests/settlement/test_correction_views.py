"""The invoice page's Correct: the confirmation page, its refusals beside the field, and the
links between the original, the credit note and the correcting invoice on their pages."""

from datetime import date

import pytest

from receivables.models import CreditNote, Invoice
from settlement.services import SettlementLineInput, settlement_create
from tests.conftest import make_clerk
from tests.factories.entities import EntityGrantFactory, UserFactory
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_client(client, fabrikam):
    client.force_login(make_clerk("clerk", fabrikam["FAB"]))
    return client


def test_correct_from_the_invoice_page_then_the_links_on_each_page(clerk_client, fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["600.00"])
    page = clerk_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert f'href="/invoices/{invoice.pk}/correct/"' in page
    confirm = clerk_client.get(f"/invoices/{invoice.pk}/correct/").content.decode()
    assert "posts a credit note of all of it (600.00 USD" in confirm
    unconfirmed = clerk_client.post(f"/invoices/{invoice.pk}/correct/", {"date": "2026-03-10"})
    assert unconfirmed.status_code == 200
    assert "This field is required." in unconfirmed.content.decode()
    assert not CreditNote.objects.exists()

    done = clerk_client.post(
        f"/invoices/{invoice.pk}/correct/", {"date": "2026-03-10", "confirm": "on"}, follow=True
    )
    credit_note = CreditNote.objects.get()
    copy = Invoice.objects.get(status="draft")
    assert done.redirect_chain == [(f"/invoices/{copy.pk}/", 302)]
    html = done.content.decode()
    assert f"Invoice {invoice.number} corrected: credit note {credit_note.number} posted" in html
    assert f'<a href="/invoices/{invoice.pk}/">{invoice.number}</a>' in html
    assert f'<a href="/credit-notes/{credit_note.pk}/">{credit_note.number}</a>' in html

    original = clerk_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert f'<a href="/credit-notes/{credit_note.pk}/">{credit_note.number}</a>' in original
    assert f'<a href="/invoices/{copy.pk}/">draft {copy.pk}</a>' in original
    assert f'href="/invoices/{invoice.pk}/correct/"' not in original  # corrected once
    note = clerk_client.get(f"/credit-notes/{credit_note.pk}/").content.decode()
    assert f'credits all of invoice <a href="/invoices/{invoice.pk}/">{invoice.number}</a>' in note
    assert f'<a href="/invoices/{copy.pk}/">draft {copy.pk}</a>' in note


def test_correct_refusal_is_shown_and_nothing_posted(clerk_client, fabrikam):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["600.00"])
    settlement = settlement_create(
        lines=[
            SettlementLineInput(post_payment(customer, amount="100.00").open_transaction.pk),
            SettlementLineInput(invoice.open_transaction.pk),
        ],
        on=date(2026, 3, 9),
        primary=None,
        actor=None,
    )
    response = clerk_client.post(
        f"/invoices/{invoice.pk}/correct/", {"date": "2026-03-10", "confirm": "on"}
    )
    assert response.status_code == 200
    assert (
        f"is settled by settlement {settlement.pk} of 2026-03-09 (100.00)"
        in response.content.decode()
    )
    early = clerk_client.post(
        f"/invoices/{invoice.pk}/correct/", {"date": "2026-03-01", "confirm": "on"}
    )
    assert "before the invoice date 2026-03-02" in early.content.decode()
    assert early.context["form"].errors["date"]
    assert not CreditNote.objects.exists()


def test_correct_page_needs_a_grant_and_the_role(client, fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FABE"])
    client.force_login(make_clerk("clerk", fabrikam["FAB"]))
    assert client.get(f"/invoices/{invoice.pk}/correct/").status_code == 404
    reader = UserFactory(username="reader")
    EntityGrantFactory(user=reader, legal_entity=fabrikam["FABE"])
    client.force_login(reader)
    response = client.post(
        f"/invoices/{invoice.pk}/correct/", {"date": "2026-03-10", "confirm": "on"}
    )
    assert response.status_code == 403
    assert not CreditNote.objects.exists()
