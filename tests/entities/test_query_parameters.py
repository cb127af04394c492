"""Lists refuse query parameters they do not know (a misspelled filter never returns everything),
and ``ledger-entries`` filters by settlement (SPEC section 7)."""

import pytest

from ledger.models import LedgerEntry
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/ledger-entries/?setlement=1",
        "/api/v1/open-transactions/?stauts=open",
        "/api/v1/customers/?legal_entity=FAB&nmae=x",
        "/api/v1/invoices/?custmer=1",
        "/api/v1/audit-entries/?actionn=x",
        "/api/v1/activities/?customer=1",
        "/api/v1/aging/?levl=party",
        "/api/v1/collections-customers/?pol=OVER60",
        "/api/v1/collections-customers/export-csv/?legal_entiy=FAB",
        "/api/v1/legal-entities/FAB/fiscal-years/?yaer=2026",
    ],
)
def test_list_with_an_unknown_query_parameter_is_400_naming_it(client, fabrikam, url):
    response = client.get(url)
    assert response.status_code == 400, response.content
    name = url.rsplit("&", 1)[-1].split("?")[-1].split("=")[0]
    assert list(response.json()["fields"]) == [name]
    assert "Unknown query parameter" in response.json()["message"]


def test_list_takes_its_filters_and_pagination(client, fabrikam):
    response = client.get("/api/v1/open-transactions/?status=open&page=1&page_size=5")
    assert response.status_code == 200


def test_ledger_entries_filter_by_settlement(client, fabrikam):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["100.00"]).open_transaction.pk
    payment = post_payment(customer, amount="100.00").open_transaction.pk
    other_invoice = post_invoice(customer, amounts=["50.00"]).open_transaction.pk
    other_payment = post_payment(customer, amount="50.00").open_transaction.pk
    settle = {"date": "2026-03-09", "lines": [{"transaction": payment}, {"transaction": invoice}]}
    settlement = client.post("/api/v1/settlements/", settle, format="json").json()
    other = {
        "date": "2026-03-09",
        "lines": [{"transaction": other_payment}, {"transaction": other_invoice}],
    }
    client.post("/api/v1/settlements/", other, format="json")
    rows = client.get(f"/api/v1/ledger-entries/?settlement={settlement['id']}").json()["results"]
    expected = LedgerEntry.objects.filter(voucher_id__in=settlement["vouchers"]).count()
    assert len(rows) == expected > 0
    assert {r["voucher"] for r in rows} == set(settlement["vouchers"])
    assert LedgerEntry.objects.count() > expected
    client.post(f"/api/v1/settlements/{settlement['id']}/reverse/", {}, format="json")
    after = client.get(f"/api/v1/ledger-entries/?settlement={settlement['id']}").json()
    assert after["count"] == 2 * expected


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/ledger-entries/?settlement=-1e5000",
        "/api/v1/ledger-entries/?settlement=1.5",
        "/api/v1/legal-entities/FAB/fiscal-years/?year=%C2%B2",
    ],
)
def test_list_with_a_malformed_number_is_400(client, fabrikam, url):
    response = client.get(url)
    assert response.status_code == 400, response.content
