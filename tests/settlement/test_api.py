from datetime import date
from decimal import Decimal

import pytest

from settlement.models import Settlement
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


def _pair(fabrikam, invoice_entity="FABE", amount="600.00", paid="600.00"):
    invoice = post_invoice(fabrikam["customers"][invoice_entity], amounts=[amount])
    payment = post_payment(fabrikam["customers"]["FAB"], amount=paid)
    return invoice.open_transaction.pk, payment.open_transaction.pk


def test_settle_preview_then_post_and_reverse(client, fabrikam):
    invoice, payment = _pair(fabrikam)
    body = {
        "date": "2026-03-09",
        "primary_payment": None,
        "lines": [{"transaction": payment}, {"transaction": invoice}],
    }
    preview = client.post("/api/v1/settlements/preview/", body, format="json")
    assert preview.status_code == 200
    assert {
        (p["legal_entity"], p["posting_type"], p["amount"]) for p in preview.json()["postings"]
    } == {
        ("FAB", "customer_balance", "600.00"),
        ("FAB", "intercompany_due_to", "-600.00"),
        ("FABE", "intercompany_due_from", "600.00"),
        ("FABE", "customer_balance", "-600.00"),
    }
    assert Settlement.objects.count() == 0
    response = client.post("/api/v1/settlements/", body, format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    assert response.status_code == 201, response.json()
    settlement = response.json()
    assert len(settlement["vouchers"]) == 2
    lines = {x["transaction"]: x for x in settlement["lines"]}
    assert lines[invoice]["settled_amount"] == "600.00"
    assert lines[payment]["settled_amount"] == "-600.00"
    assert lines[invoice]["cash_discount"] == "0.00"
    again = client.post("/api/v1/settlements/", body, format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    assert again.status_code == 201 and again.json()["id"] == settlement["id"]
    assert Settlement.objects.count() == 1
    other = client.post(
        "/api/v1/settlements/",
        {**body, "date": "2026-03-10"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="s-1",
    )
    assert other.status_code == 409
    entries = client.get(
        "/api/v1/ledger-entries/", {"source": f"settlement:{settlement['id']}:"}
    ).json()
    assert entries["count"] == 4
    reversed_ = client.post(f"/api/v1/settlements/{settlement['id']}/reverse/", {}, format="json")
    assert reversed_.status_code == 200 and reversed_.json()["status"] == "reversed"
    ot = client.get(f"/api/v1/open-transactions/{invoice}/").json()
    assert ot["open_amount"] == "600.00" and ot["status"] == "open"
    assert (
        client.post(
            f"/api/v1/settlements/{settlement['id']}/reverse/", {}, format="json"
        ).status_code
        == 409
    )


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([{"transaction": 999999}], "lines"),
        ([{"transaction": 2**64}], "lines"),  # no 64-bit key; SQLite cannot even bind it
        ([], "lines"),
        ([{"transaction": "x"}], "lines"),
        ([{"transaction": 1, "amount": "-5"}], "lines"),
    ],
)
def test_settle_bad_input_is_400(client, fabrikam, lines, field):
    response = client.post(
        "/api/v1/settlements/", {"date": "2026-03-09", "lines": lines}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.parametrize("path", ["/api/v1/settlements/preview/", "/api/v1/settlements/"])
def test_settle_a_transaction_no_key_can_name_is_400(client, fabrikam, path):
    invoice, _ = _pair(fabrikam)
    body = {"date": "2026-03-09", "lines": [{"transaction": invoice}, {"transaction": 2**63}]}
    response = client.post(path, body, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == f"Open transaction {2**63} does not exist."


def test_reimburse_a_transaction_no_key_can_name_is_400(client, fabrikam):
    response = client.post(
        "/api/v1/settlements/reimburse/",
        {"transaction": 2**64, "date": "2026-03-09", "method": "electronic"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "transaction": [f"Open transaction {2**64} does not exist."]
    }


def test_settle_amount_above_open_is_400(client, fabrikam):
    invoice, payment = _pair(fabrikam)
    response = client.post(
        "/api/v1/settlements/",
        {
            "date": "2026-03-09",
            "lines": [{"transaction": payment}, {"transaction": invoice, "amount": "600.01"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "more than its open amount" in response.json()["message"]


def test_clerk_may_not_settle_across_an_entity_not_granted(api_client, fabrikam):
    invoice, payment = _pair(fabrikam, invoice_entity="FABW")
    api_client.force_authenticate(make_clerk("clerk", fabrikam["FAB"]))
    response = api_client.post(
        "/api/v1/settlements/",
        {"date": "2026-03-09", "lines": [{"transaction": payment}, {"transaction": invoice}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == f"Open transaction {invoice} does not exist."
    assert "FABW" not in response.content.decode()


def test_reimburse_through_the_api(client, fabrikam):
    payment = post_payment(fabrikam["customers"]["FAB"], amount="80.00")
    response = client.post(
        "/api/v1/settlements/reimburse/",
        {"transaction": payment.open_transaction.pk, "date": "2026-03-20", "method": "check"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    payment.open_transaction.refresh_from_db()
    assert payment.open_transaction.open_amount == Decimal("0")
    assert date.fromisoformat(response.json()["date"]) == date(2026, 3, 20)
