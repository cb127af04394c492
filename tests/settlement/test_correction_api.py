"""Correcting an invoice through the API (``POST /invoices/{id}/correct/``) and the pages (the
invoice page's Correct, its confirmation, the links between the three documents)."""

from datetime import date

import pytest
from django.contrib.auth.models import Group

from core.roles import COLLECTIONS_MANAGER
from receivables.models import CreditNote, Invoice, InvoiceCorrection
from settlement.services import invoice_correct, settlement_create
from settlement.services.plan import SettlementLineInput
from tests.conftest import make_clerk
from tests.factories.entities import EntityGrantFactory, UserFactory
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(fabrikam):
    return post_invoice(fabrikam["customers"]["FAB"], amounts=["600.00", "150.00"])


def _correct(client, invoice, day="2026-03-10", **headers):
    return client.post(
        f"/api/v1/invoices/{invoice.pk}/correct/", {"date": day}, format="json", **headers
    )


def test_api_corrects_an_invoice_and_shows_the_links(api_client, fabrikam, invoice):
    api_client.force_authenticate(make_clerk("clerk", fabrikam["FAB"]))
    response = _correct(api_client, invoice, HTTP_IDEMPOTENCY_KEY="correct-1")
    assert response.status_code == 201, response.json()
    body = response.json()
    credit_note = CreditNote.objects.get()
    copy = Invoice.objects.get(status="draft")
    assert body == {
        "invoice": invoice.pk,
        "invoice_number": invoice.number,
        "credit_note": credit_note.pk,
        "credit_note_number": credit_note.number,
        "correcting_invoice": copy.pk,
        "settlement": body["settlement"],
        "date": "2026-03-10",
    }
    again = _correct(api_client, invoice, HTTP_IDEMPOTENCY_KEY="correct-1")
    assert (again.status_code, again.json()) == (201, body)
    assert CreditNote.objects.count() == 1

    original = api_client.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert (
        original["corrected_by_credit_note"],
        original["correcting_invoice"],
        original["corrects_invoice"],
    ) == (credit_note.pk, copy.pk, None)
    draft = api_client.get(f"/api/v1/invoices/{copy.pk}/").json()
    assert (draft["status"], draft["total"], draft["corrects_invoice"]) == (
        "draft",
        "750.00",
        invoice.pk,
    )
    assert draft["corrected_by_credit_note"] is None
    note = api_client.get(f"/api/v1/credit-notes/{credit_note.pk}/").json()
    assert (note["invoice"], note["corrected_invoice"], note["correcting_invoice"]) == (
        invoice.pk,
        invoice.pk,
        copy.pk,
    )
    assert (note["status"], note["date"], note["total"]) == ("posted", "2026-03-10", "750.00")
    settlement = api_client.get(f"/api/v1/settlements/{body['settlement']}/").json()
    assert {(x["document_number"], x["amount"]) for x in settlement["lines"]} == {
        (invoice.number, "750.00"),
        (credit_note.number, "-750.00"),
    }


def test_api_document_lists_carry_the_links_without_a_query_per_row(
    api_client, admin_user, fabrikam, django_assert_max_num_queries
):
    customer = fabrikam["customers"]["FAB"]
    for _ in range(3):
        invoice_correct(invoice=post_invoice(customer), on=date(2026, 3, 10), actor=None)
    api_client.force_authenticate(admin_user)
    with django_assert_max_num_queries(8):
        rows = api_client.get("/api/v1/invoices/").json()["results"]
    assert len(rows) == 6
    assert sum(1 for r in rows if r["corrected_by_credit_note"]) == 3
    assert sum(1 for r in rows if r["corrects_invoice"]) == 3
    with django_assert_max_num_queries(8):
        notes = api_client.get("/api/v1/credit-notes/").json()["results"]
    assert sum(1 for n in notes if n["correcting_invoice"]) == 3


def test_api_refusals_name_the_reason(api_client, fabrikam, invoice):
    customer = fabrikam["customers"]["FAB"]
    api_client.force_authenticate(make_clerk("clerk", fabrikam["FAB"]))
    before = _correct(api_client, invoice, day="2026-03-01")
    assert before.status_code == 400
    assert before.json()["fields"] == {
        "date": ["The correction date 2026-03-01 is before the invoice date 2026-03-02."]
    }
    missing = api_client.post(f"/api/v1/invoices/{invoice.pk}/correct/", {}, format="json")
    assert (missing.status_code, list(missing.json()["fields"])) == (400, ["date"])
    settlement = settlement_create(
        lines=[
            SettlementLineInput(post_payment(customer, amount="50.00").open_transaction.pk),
            SettlementLineInput(invoice.open_transaction.pk),
        ],
        on=date(2026, 3, 9),
        primary=None,
        actor=None,
    )
    settled = _correct(api_client, invoice)
    assert settled.status_code == 409
    assert settled.json()["code"] == "document_settled"
    assert settled.json()["message"] == (
        f"Invoice {invoice.number} is settled by settlement {settlement.pk} of 2026-03-09 "
        "(50.00): reverse it first, then correct the invoice."
    )
    other = post_invoice(customer)
    assert _correct(api_client, other).status_code == 201
    twice = _correct(api_client, other)
    assert (twice.status_code, twice.json()["code"]) == (409, "invoice_already_corrected")
    draft = Invoice.objects.get(status="draft")
    as_draft = _correct(api_client, draft)
    assert (as_draft.status_code, as_draft.json()["fields"]) == (
        400,
        {
            "status": [
                f"Invoice draft {draft.pk} is a draft: change it instead; only a posted "
                "invoice is corrected."
            ]
        },
    )
    closed = _correct(api_client, post_invoice(customer), day="2028-01-05")
    assert (closed.status_code, closed.json()["code"]) == (400, "period_missing")
    assert InvoiceCorrection.objects.count() == 1


def test_api_correct_answers_404_outside_the_granted_entities(api_client, fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FABE"])
    api_client.force_authenticate(make_clerk("clerk", fabrikam["FAB"]))
    assert _correct(api_client, invoice).status_code == 404
    assert (
        api_client.post("/api/v1/invoices/99999999/correct/", {"date": "2026-03-10"}).status_code
        == 404
    )
    assert not CreditNote.objects.exists()


def test_api_correct_needs_the_roles_permissions(api_client, fabrikam, invoice):
    from core.roles import roles_sync

    roles_sync()
    manager = UserFactory(username="manager")
    EntityGrantFactory(user=manager, legal_entity=fabrikam["FAB"])
    api_client.force_authenticate(manager)
    assert _correct(api_client, invoice).status_code == 403
    api_client.force_authenticate(None)
    assert _correct(api_client, invoice).status_code == 401
    assert not CreditNote.objects.exists()
    manager.groups.add(Group.objects.get(name=COLLECTIONS_MANAGER))
    api_client.force_authenticate(type(manager).objects.get(pk=manager.pk))
    assert _correct(api_client, invoice).status_code == 201
