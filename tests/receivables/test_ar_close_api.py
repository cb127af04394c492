"""The AR close through the API (``/api/v1/ar-close/``) and the Close AR page."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from core.models import AuditEntry
from core.roles import INTEGRATOR, roles_sync
from ledger.models import FiscalPeriod
from receivables.services import DocumentInput, DocumentLineInput, invoice_create
from tests.conftest import make_clerk
from tests.factories.entities import EntityGrantFactory, UserFactory
from tests.factories.receivables import post_invoice

pytestmark = pytest.mark.django_db
URL = "/api/v1/ar-close/"


def march(entity) -> FiscalPeriod:
    return FiscalPeriod.objects.get(legal_entity=entity, start=date(2026, 3, 1))


def draft(customer, on=date(2026, 3, 20)):
    return invoice_create(
        data=DocumentInput(
            legal_entity=customer.legal_entity,
            customer=customer,
            date=on,
            lines=[DocumentLineInput(description="Draft", amount=Decimal("12.00"))],
        ),
        actor=None,
    )


def integrator_of(*entities):
    roles_sync()
    user = UserFactory(username="integrator")
    user.groups.add(Group.objects.get(name=INTEGRATOR))
    for entity in entities:
        EntityGrantFactory(user=user, legal_entity=entity)
    return user


def test_api_lists_the_blockers_then_closes(api_client, fabrikam):
    customer = fabrikam["customers"]["FAB"]
    invoice = draft(customer)
    api_client.force_authenticate(integrator_of(fabrikam["FAB"]))
    response = api_client.get(URL, {"legal_entity": "FAB", "period": "2026-03-15"})
    assert response.status_code == 200, response.json()
    period = march(fabrikam["FAB"])
    assert response.json() == {
        "legal_entity": "FAB",
        "period": {
            "id": period.pk,
            "name": "2026-03",
            "start": "2026-03-01",
            "end": "2026-03-31",
            "status": "open",
        },
        "blockers": [
            {
                "kind": "draft_invoice",
                "message": f"Invoice draft {invoice.pk} of 2026-03-20 (customer 4000, 12.00 USD) "
                "is not posted.",
                "url": f"/invoices/{invoice.pk}/",
                "object_id": invoice.pk,
            }
        ],
        "can_close": False,
    }
    refused = api_client.post(URL, {"legal_entity": "FAB", "period": "2026-03-01"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "ar_close_blocked"
    assert refused.json()["details"]["blockers"][0]["object_id"] == invoice.pk
    override = api_client.post(
        URL,
        {"legal_entity": "FAB", "period": "2026-03-01", "override": True, "note": "x"},
        format="json",
    )
    assert (override.status_code, override.json()["fields"]) == (
        403,
        {"override": ["Only an administrator may close accounts receivable over its blockers."]},
    )
    invoice.delete()
    closed = api_client.post(
        URL,
        {"legal_entity": "FAB", "period": "2026-03-01"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="close-1",
    )
    assert closed.status_code == 200, closed.json()
    assert (closed.json()["period"]["status"], closed.json()["blockers"]) == ("closed", [])
    assert march(fabrikam["FAB"]).status == "closed"
    replay = api_client.post(
        URL,
        {"legal_entity": "FAB", "period": "2026-03-01"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="close-1",
    )
    assert (replay.status_code, replay.json()) == (200, closed.json())
    again = api_client.post(URL, {"legal_entity": "FAB", "period": "2026-03-01"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "period_already_closed")
    assert AuditEntry.objects.filter(action="accounts_receivable.closed").count() == 1
    # Posting into the closed period is refused, naming the entity and the date.
    posted = api_client.post(
        "/api/v1/invoices/",
        {
            "legal_entity": "FAB",
            "customer": "4000",
            "date": "2026-03-31",
            "post": True,
            "lines": [{"description": "Late", "amount": "5.00"}],
        },
        format="json",
    )
    assert (posted.status_code, posted.json()["code"]) == (400, "period_not_open")


def test_api_administrator_closes_over_the_blockers(api_client, admin_user, fabrikam):
    invoice = draft(fabrikam["customers"]["FAB"])
    api_client.force_authenticate(admin_user)
    response = api_client.post(
        URL,
        {"legal_entity": "FAB", "period": "2026-03-01", "override": True, "note": "Year end"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert [b["object_id"] for b in response.json()["blockers"]] == [invoice.pk]
    assert response.json()["period"]["status"] == "closed"


def test_api_bad_input_and_entities_not_granted(api_client, fabrikam):
    api_client.force_authenticate(make_clerk("clerk", fabrikam["FAB"]))
    assert api_client.get(URL, {"legal_entity": "FABE", "period": "2026-03-01"}).status_code == 403
    unknown = api_client.get(URL, {"legal_entity": "NOPE", "period": "2026-03-01"})
    assert (unknown.status_code, list(unknown.json()["fields"])) == (400, ["legal_entity"])
    missing = api_client.get(URL, {"legal_entity": "FAB", "period": "2031-01-01"})
    assert missing.json()["fields"] == {
        "period": ["Legal entity FAB has no fiscal period containing 2031-01-01."]
    }
    typo = api_client.get(URL, {"legal_entity": "FAB", "perod": "2026-03-01"})
    assert typo.status_code == 400 and "perod" in typo.json()["fields"]
    # A clerk reads the blockers but may not close: closing is a controller's.
    assert api_client.get(URL, {"legal_entity": "FAB", "period": "2026-03-01"}).status_code == 200
    refused = api_client.post(URL, {"legal_entity": "FAB", "period": "2026-03-01"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert march(fabrikam["FAB"]).status == "open"
    api_client.force_authenticate(None)
    assert api_client.get(URL, {"legal_entity": "FAB", "period": "2026-03-01"}).status_code == 401


def test_close_ar_page_shows_the_blockers_and_closes(client, admin_user, fabrikam):
    invoice = draft(fabrikam["customers"]["FAB"])
    post_invoice(fabrikam["customers"]["FAB"], amounts=["100.00"])
    client.force_login(admin_user)
    html = client.get(
        "/ar-close/", {"legal_entity": "FAB", "period": "2026-03-01"}
    ).content.decode()
    assert f'<a href="/invoices/{invoice.pk}/">Open</a>' in html
    assert "130100 Accounts receivable: 100.00 USD · open items 100.00 USD" in html
    assert "Close period 2026-03 anyway" in html
    # The override needs its box ticked: without it the close is refused and said so.
    refused = client.post(
        "/ar-close/", {"legal_entity": "FAB", "period": "2026-03-01"}, follow=True
    )
    assert "cannot be closed: 1 thing to clear first" in refused.content.decode()
    assert march(fabrikam["FAB"]).status == "open"
    wrong = client.post("/ar-close/", {"legal_entity": "FAB", "period": "2026-03-02"}, follow=True)
    assert "Choose the legal entity and the fiscal period to close." in wrong.content.decode()
    invoice.delete()
    done = client.post("/ar-close/", {"legal_entity": "FAB", "period": "2026-03-01"}, follow=True)
    assert "Accounts receivable of FAB closed for 2026-03" in done.content.decode()
    assert 'id="closed"' in done.content.decode()
    assert march(fabrikam["FAB"]).status == "closed"


def test_close_ar_page_for_a_clerk_reads_only(client, fabrikam):
    client.force_login(make_clerk("clerk", fabrikam["FAB"]))
    html = client.get(
        "/ar-close/", {"legal_entity": "FAB", "period": "2026-03-01"}
    ).content.decode()
    assert "Nothing stands in the way of closing 2026-03." in html
    assert "needs the permission to change fiscal periods" in html
    # Another entity's code falls back to the clerk's own entity.
    other = client.get("/ar-close/", {"legal_entity": "FABE"}).content.decode()
    assert "<small>FAB · " in other
    response = client.post("/ar-close/", {"legal_entity": "FAB", "period": "2026-03-01"})
    assert response.status_code == 403
    assert march(fabrikam["FAB"]).status == "open"
