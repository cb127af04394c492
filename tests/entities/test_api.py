import pytest

from core.models import AuditEntry
from entities.models import Customer, ExchangeRate, Party
from receivables.models import CashDiscount

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


def test_party_create_with_addresses_and_contacts(admin_client):
    response = admin_client.post(
        "/api/v1/parties/",
        {
            "number": "4050",
            "name": "Northwind Traders",
            "addresses": [
                {"street": "1 Main St", "city": "Seattle", "country": "US", "is_primary": True}
            ],
            "contacts": [{"name": "Ann", "email": "ann@example.com"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["addresses"][0]["city"] == "Seattle"
    detail = admin_client.get("/api/v1/parties/4050/").json()
    assert detail["contacts"] == [
        {"name": "Ann", "email": "ann@example.com", "phone": "", "role": ""}
    ]
    duplicate = admin_client.post(
        "/api/v1/parties/", {"number": "4050", "name": "X"}, format="json"
    )
    assert duplicate.status_code == 400
    assert duplicate.json()["fields"] == {"number": ["Party 4050 already exists."]}


def test_customer_create_and_contract_fields(admin_client, fabrikam):
    admin_client.post("/api/v1/payment-terms/", {"code": "N30", "net_days": 30}, format="json")
    response = admin_client.post(
        "/api/v1/customers/",
        {
            "legal_entity": "FAB",
            "account": "4100",
            "party": "4050",
            "currency": "EUR",
            "payment_terms": "N30",
            "credit_limit": "5000.00",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {
        k: body[k]
        for k in (
            "legal_entity",
            "account",
            "party",
            "name",
            "currency",
            "payment_terms",
            "cash_discount",
            "interest_code",
            "credit_limit",
        )
    } == {
        "legal_entity": "FAB",
        "account": "4100",
        "party": "4050",
        "name": "Northwind Traders",
        "currency": "EUR",
        "payment_terms": "N30",
        "cash_discount": None,
        "interest_code": None,
        "credit_limit": "5000.00",
    }
    assert AuditEntry.objects.filter(action="customer.created").count() == 1


@pytest.mark.parametrize(
    ("patch", "field", "text"),
    [
        ({"account": "4000"}, "account", "Customer account 4000 already exists in FAB."),
        ({"currency": "XYZ"}, "currency", "Unknown currency"),
        ({"party": "9999"}, "party", "does not exist"),
        ({"legal_entity": "NOPE"}, "legal_entity", "does not exist"),
        ({"credit_limit": "-1.00"}, "credit_limit", "negative"),
        ({"credit_limit": "1.001"}, "credit_limit", "more decimals than USD allows"),
    ],
)
def test_customer_create_bad_input(admin_client, fabrikam, patch, field, text):
    payload = {
        "legal_entity": "FAB",
        "account": "4200",
        "party": "4050",
        "currency": "USD",
        **patch,
    }
    before = Customer.objects.count()
    response = admin_client.post("/api/v1/customers/", payload, format="json")
    assert response.status_code == 400, response.json()
    assert text in str(response.json()["fields"][field])
    assert Customer.objects.count() == before


def test_customer_filters_by_party_and_entity(admin_client, fabrikam):
    rows = admin_client.get("/api/v1/customers/", {"party": "4050"}).json()["results"]
    assert [(r["legal_entity"], r["account"]) for r in rows] == [
        ("FAB", "4000"),
        ("FABE", "4000"),
        ("FABW", "10000"),
    ]
    rows = admin_client.get("/api/v1/customers/", {"legal_entity": "FABW"}).json()["results"]
    assert [r["account"] for r in rows] == ["10000"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"from_currency": "EUR", "to_currency": "USD", "rate": "0", "valid_from": "2026-03-02"},
            "rate",
        ),
        (
            {
                "from_currency": "EUR",
                "to_currency": "USD",
                "rate": "-1.2",
                "valid_from": "2026-03-02",
            },
            "rate",
        ),
        (
            {"from_currency": "EUR", "to_currency": "EUR", "rate": "1", "valid_from": "2026-03-02"},
            "to_currency",
        ),
        (
            {"from_currency": "EUX", "to_currency": "USD", "rate": "1", "valid_from": "2026-03-02"},
            "from_currency",
        ),
        (
            {"from_currency": "EUR", "to_currency": "USD", "rate": "1", "valid_from": "March"},
            "valid_from",
        ),
    ],
)
def test_exchange_rate_bad_input(admin_client, payload, field):
    response = admin_client.post("/api/v1/exchange-rates/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert ExchangeRate.objects.count() == 0


def test_exchange_rate_create_and_duplicate(admin_client):
    payload = {
        "from_currency": "EUR",
        "to_currency": "USD",
        "rate": "1.2062",
        "valid_from": "2026-03-02",
    }
    response = admin_client.post("/api/v1/exchange-rates/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["rate"] == "1.2062"
    again = admin_client.post("/api/v1/exchange-rates/", payload, format="json")
    assert again.status_code == 400
    assert "valid_from" in again.json()["fields"]


def test_cash_discount_with_periods(admin_client):
    response = admin_client.post(
        "/api/v1/cash-discounts/",
        {"code": "2-1", "periods": [{"days": 14, "percent": "1"}, {"days": 5, "percent": "2"}]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["periods"] == [{"days": 5, "percent": "2"}, {"days": 14, "percent": "1"}]
    bad = admin_client.post(
        "/api/v1/cash-discounts/", {"code": "BAD", "periods": []}, format="json"
    )
    assert bad.status_code == 400 and "periods" in bad.json()["fields"]
    assert not CashDiscount.objects.filter(code="BAD").exists()


def test_sales_tax_and_terms(admin_client):
    assert (
        admin_client.post(
            "/api/v1/sales-tax-codes/", {"code": "VAT6", "percent": "6.37"}, format="json"
        ).json()["percent"]
        == "6.37"
    )
    bad = admin_client.post(
        "/api/v1/sales-tax-codes/", {"code": "BAD", "percent": "-1"}, format="json"
    )
    assert bad.status_code == 400 and "percent" in bad.json()["fields"]
    assert admin_client.get("/api/v1/payment-terms/").status_code == 200


def test_party_not_duplicated_by_bad_request(admin_client):
    admin_client.post("/api/v1/parties/", {"number": "", "name": "X"}, format="json")
    assert Party.objects.count() == 0
