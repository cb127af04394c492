from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import AuditEntry
from entities.models import LegalEntity
from ledger.models import PostingSetup, Voucher
from tests.conftest import make_clerk
from tests.factories.entities import ExchangeRateFactory
from tests.factories.ledger import post_simple_voucher

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


def test_legal_entity_create_with_parameters_and_default_setup(admin_client):
    response = admin_client.post(
        "/api/v1/legal-entities/",
        {
            "code": "FAB",
            "name": "Fabrikam",
            "accounting_currency": "USD",
            "parameters": {
                "cash_discount_on_partial_payments": True,
                "max_underpayment": "0.50",
                "fx_posted_in": "invoice",
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["parameters"]["max_underpayment"] == "0.50"
    assert body["parameters"]["cash_discount_on_partial_payments"] is True
    assert body["parameters"]["fx_posted_in"] == "invoice"
    assert body["parameters"]["cash_discount_posted_in"] == "invoice"
    assert PostingSetup.objects.filter(legal_entity__code="FAB").count() == 19
    assert AuditEntry.objects.filter(action="legal_entity.created").count() == 1


@pytest.mark.parametrize(
    ("payload", "field", "text"),
    [
        (
            {"code": "X1", "name": "X", "accounting_currency": "ABC"},
            "accounting_currency",
            "Unknown currency",
        ),
        (
            {
                "code": "X1",
                "name": "X",
                "accounting_currency": "USD",
                "parameters": {"max_underpayment": "-1"},
            },
            "parameters",
            "negative",
        ),
        (
            {
                "code": "X1",
                "name": "X",
                "accounting_currency": "USD",
                "parameters": {"fx_posted_in": "moon"},
            },
            "parameters",
            "valid choice",
        ),
        ({"name": "X", "accounting_currency": "USD"}, "code", "required"),
    ],
)
def test_legal_entity_create_bad_input_names_field(admin_client, payload, field, text):
    response = admin_client.post("/api/v1/legal-entities/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"code", "message", "fields"}
    assert field in body["fields"]
    assert text in str(body["fields"][field])
    assert not LegalEntity.objects.filter(code="X1").exists()


def test_legal_entity_duplicate_code_is_400(admin_client, fabrikam):
    response = admin_client.post(
        "/api/v1/legal-entities/",
        {"code": "FAB", "name": "Again", "accounting_currency": "USD"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"code": ["Legal entity FAB already exists."]}


def test_legal_entity_parameter_change_is_audited(admin_client, fabrikam, admin_user):
    response = admin_client.patch(
        "/api/v1/legal-entities/FABE/",
        {"parameters": {"max_overpayment": "1.25"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    entry = AuditEntry.objects.get(action="legal_entity.parameters_changed")
    assert entry.actor == admin_user
    assert entry.changes == {"max_overpayment": ["0.00", "1.25"]}
    audit = admin_client.get(
        "/api/v1/audit-entries/",
        {"object_type": "entities.legalentity", "object_id": fabrikam["FABE"].pk},
    )
    assert [a["action"] for a in audit.json()["results"]] == [
        "legal_entity.parameters_changed",
        "legal_entity.created",
    ]


def test_trial_balance_api_totals_zero(admin_client, fabrikam):
    post_simple_voucher(fabrikam["FAB"], amount="1234.56")
    body = admin_client.get("/api/v1/legal-entities/FAB/trial-balance/").json()
    rows = {r["account"]: r for r in body["accounts"]}
    assert rows["110100"] == {
        "account": "110100",
        "name": "Bank",
        "kind": "asset",
        "debit": "1234.56",
        "credit": "0.00",
        "balance": "1234.56",
    }
    assert rows["401100"]["credit"] == "1234.56"
    assert body["total_debit"] == body["total_credit"] == "1234.56"
    assert body["total"] == "0.00"


def test_voucher_create_api_posts_and_refuses_unbalanced(admin_client, fabrikam):
    ExchangeRateFactory(rate=Decimal("1.2062"), valid_from=date(2026, 3, 2))
    good = {
        "legal_entity": "FAB",
        "date": "2026-03-02",
        "description": "Manual",
        "lines": [
            {"posting_type": "bank", "currency": "EUR", "amount": "600.00"},
            {"posting_type": "revenue", "currency": "EUR", "amount": "-600.00"},
        ],
    }
    response = admin_client.post("/api/v1/vouchers/", good, format="json")
    assert response.status_code == 201, response.json()
    lines = response.json()["lines"]
    assert [(x["amount"], x["accounting_amount"]) for x in lines] == [
        ("600.00", "723.72"),
        ("-600.00", "-723.72"),
    ]
    bad = {**good, "lines": [good["lines"][0], {**good["lines"][1], "amount": "-599.99"}]}
    response = admin_client.post("/api/v1/vouchers/", bad, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "voucher_unbalanced"
    assert "EUR sum to 0.01" in response.json()["message"]
    assert Voucher.objects.count() == 1


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"currency": "QQQ"}, "lines"),
        ({"amount": "1.001"}, "lines"),
        ({"amount": "abc"}, "lines"),
        ({"posting_type": "bogus"}, "lines"),
    ],
)
def test_voucher_create_api_bad_line_is_400(admin_client, fabrikam, patch, field):
    payload = {
        "legal_entity": "FAB",
        "date": "2026-03-02",
        "lines": [
            {"posting_type": "bank", "currency": "USD", "amount": "1.00", **patch},
            {"posting_type": "revenue", "currency": "USD", "amount": "-1.00"},
        ],
    }
    response = admin_client.post("/api/v1/vouchers/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Voucher.objects.count() == 0


def test_voucher_reverse_api(admin_client, fabrikam):
    voucher = post_simple_voucher(fabrikam["FAB"])
    response = admin_client.post(f"/api/v1/vouchers/{voucher.pk}/reverse/", {}, format="json")
    assert response.status_code == 201
    assert response.json()["reverses"] == voucher.pk
    again = admin_client.post(f"/api/v1/vouchers/{voucher.pk}/reverse/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "voucher_already_reversed"


def test_ledger_entries_filters(admin_client, fabrikam):
    v1 = post_simple_voucher(fabrikam["FAB"], on=date(2026, 3, 1))
    post_simple_voucher(fabrikam["FAB"], on=date(2026, 4, 1))
    post_simple_voucher(fabrikam["FABE"], on=date(2026, 3, 1))
    get = lambda **q: admin_client.get("/api/v1/ledger-entries/", q).json()  # noqa: E731
    assert get(legal_entity="FAB")["count"] == 4
    assert get(voucher=v1.pk)["count"] == 2
    assert get(legal_entity="FAB", posting_type="bank", date_to="2026-03-31")["count"] == 1
    assert get(date_from="2026-03-01", date_to="2026-03-01")["count"] == 4
    entry = get(voucher=v1.pk, posting_type="bank")["results"][0]
    assert entry["legal_entity"] == "FAB" and entry["account"] == "110100"
    assert entry["amount"] == "100.00" and entry["accounting_amount"] == "100.00"
    assert entry["voucher"] == v1.pk and entry["counterparty"] is None


def test_lists_use_a_fixed_number_of_queries(admin_client, fabrikam, django_assert_max_num_queries):
    for _ in range(20):
        post_simple_voucher(fabrikam["FAB"])
    with django_assert_max_num_queries(6):
        assert admin_client.get("/api/v1/vouchers/").status_code == 200
    with django_assert_max_num_queries(5):
        assert admin_client.get("/api/v1/ledger-entries/").status_code == 200
    with django_assert_max_num_queries(5):
        assert admin_client.get("/api/v1/customers/").status_code == 200


# --- permission matrix: a clerk granted FABE only ---------------------------------------------


@pytest.fixture
def clerk_client(api_client, fabrikam):
    clerk = make_clerk("clerk", fabrikam["FABE"])
    api_client.force_authenticate(clerk)
    return api_client


def test_clerk_sees_only_granted_entity(clerk_client, fabrikam):
    post_simple_voucher(fabrikam["FABE"])
    post_simple_voucher(fabrikam["FABW"])
    assert [e["code"] for e in clerk_client.get("/api/v1/legal-entities/").json()["results"]] == [
        "FABE"
    ]
    assert clerk_client.get("/api/v1/vouchers/").json()["count"] == 1
    assert clerk_client.get("/api/v1/ledger-entries/").json()["count"] == 2
    customers = clerk_client.get("/api/v1/customers/").json()["results"]
    assert {c["legal_entity"] for c in customers} == {"FABE"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/legal-entities/FABW/",
        "/api/v1/legal-entities/FABW/trial-balance/",
        "/api/v1/vouchers/?legal_entity=FABW",
        "/api/v1/ledger-entries/?legal_entity=FABW",
    ],
)
def test_clerk_cannot_read_other_entity(clerk_client, url):
    response = clerk_client.get(url)
    assert response.status_code == 403
    assert response.json()["code"] == "legal_entity_not_granted"


def test_clerk_cannot_read_other_entity_voucher(clerk_client, fabrikam):
    voucher = post_simple_voucher(fabrikam["FABW"])
    assert clerk_client.get(f"/api/v1/vouchers/{voucher.pk}/").status_code == 404


def test_clerk_cannot_post_in_other_entity(clerk_client, fabrikam):
    from django.contrib.auth.models import Permission

    clerk = clerk_client.handler._force_user
    clerk.user_permissions.add(Permission.objects.get(codename="add_voucher"))
    payload = {
        "legal_entity": "FABW",
        "date": "2026-03-02",
        "lines": [
            {"posting_type": "bank", "currency": "USD", "amount": "1.00"},
            {"posting_type": "revenue", "currency": "USD", "amount": "-1.00"},
        ],
    }
    response = clerk_client.post("/api/v1/vouchers/", payload, format="json")
    assert response.status_code == 403
    assert response.json()["message"] == "You may not act in legal entity FABW."
    assert (
        clerk_client.post(
            "/api/v1/vouchers/", {**payload, "legal_entity": "FABE"}, format="json"
        ).status_code
        == 201
    )
    assert Voucher.objects.filter(legal_entity__code="FABW").count() == 0


def test_clerk_cannot_create_customer_in_other_entity(clerk_client, fabrikam):
    payload = {"legal_entity": "FABW", "account": "20000", "party": "4050", "currency": "USD"}
    response = clerk_client.post("/api/v1/customers/", payload, format="json")
    assert response.status_code == 403
    assert response.json()["fields"] == {"legal_entity": ["You may not act in legal entity FABW."]}


def test_clerk_cannot_create_legal_entity(clerk_client):
    response = clerk_client.post(
        "/api/v1/legal-entities/",
        {"code": "NEW", "name": "N", "accounting_currency": "USD"},
        format="json",
    )
    assert response.status_code == 403


def test_anonymous_gets_401(api_client, fabrikam):
    for url in ("/api/v1/legal-entities/", "/api/v1/vouchers/", "/api/schema/"):
        assert api_client.get(url).status_code == 401


def test_token_authentication(api_client, admin_user, fabrikam):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=admin_user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get(reverse("legal-entity-list")).status_code == 200


def test_nul_characters_are_a_400_not_a_500(admin_client, fabrikam):
    response = admin_client.post(
        "/api/v1/customers/",
        {"legal_entity": "FAB", "account": "4999", "party": "40\x0050", "currency": "USD"},
        format="json",
    )
    assert response.status_code == 400
    assert admin_client.get("/api/v1/ledger-entries/", {"account": "1\x00"}).status_code == 400


@pytest.mark.parametrize(
    ("given", "status", "stored"),
    [
        ({"sepa_creditor_identifier": "de98 zzz 09999999999"}, 200, "DE98ZZZ09999999999"),
        ({"sepa_creditor_identifier": "DE99ZZZ09999999999"}, 400, ""),
        ({"auto_match_threshold": 85}, 200, 85),
        ({"auto_match_threshold": 101}, 400, 95),
    ],
    ids=["creditor-id", "creditor-id-check-digits", "threshold", "threshold-above-100"],
)
def test_legal_entity_banking_parameters(admin_client, fabrikam, given, status, stored):
    """SPEC section 7: sepa_creditor_identifier (checked, kept compact) and
    auto_match_threshold (0 to 100, default 95) are parameters of a legal entity."""
    response = admin_client.patch(
        "/api/v1/legal-entities/FAB/", {"parameters": given}, format="json"
    )
    assert response.status_code == status, response.json()
    (name,) = given
    fabrikam["FAB"].refresh_from_db()
    assert getattr(fabrikam["FAB"], name) == stored


LETTERHEAD = {
    "address_lines": "12 Harbour Road\nBuilding B",
    "postal_code": "98052",
    "city": "Redmond",
    "country": "US",
    "vat_number": "US-123456789",
}


def test_legal_entity_letterhead_through_the_api(admin_client, admin_user):
    response = admin_client.post(
        "/api/v1/legal-entities/",
        {
            "code": "LH",
            "name": "Letterhead Inc.",
            "accounting_currency": "USD",
            **LETTERHEAD,
            "address_lines": "  12 Harbour Road \n\n Building B ",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in LETTERHEAD} == LETTERHEAD
    assert set(body) == {"code", "name", "accounting_currency", "parameters", *LETTERHEAD}
    entity = LegalEntity.objects.get(code="LH")
    assert entity.postal_address == [
        "12 Harbour Road",
        "Building B",
        "98052 Redmond",
        "United States",
    ]

    moved = admin_client.patch(
        "/api/v1/legal-entities/LH/",
        {"country": "no", "city": "Oslo", "postal_code": "0150"},
        format="json",
    )
    assert moved.status_code == 200, moved.json()
    assert (moved.json()["country"], moved.json()["city"]) == ("NO", "Oslo")
    entry = AuditEntry.objects.get(action="legal_entity.parameters_changed")
    assert entry.actor == admin_user
    assert entry.changes == {
        "country": ["US", "NO"],
        "city": ["Redmond", "Oslo"],
        "postal_code": ["98052", "0150"],
    }
    listed = admin_client.get("/api/v1/legal-entities/").json()["results"]
    assert [e["vat_number"] for e in listed if e["code"] == "LH"] == ["US-123456789"]


@pytest.mark.parametrize("country", ["XX", "FRA", "1"])
def test_legal_entity_unknown_country_names_the_field(admin_client, fabrikam, country):
    created = admin_client.post(
        "/api/v1/legal-entities/",
        {"code": "X1", "name": "X", "accounting_currency": "USD", "country": country},
        format="json",
    )
    assert created.status_code == 400
    assert created.json()["fields"] == {
        "country": [f"Unknown country {country!r}: use an ISO 3166 alpha-2 code such as FR or NO."]
    }
    assert not LegalEntity.objects.filter(code="X1").exists()
    changed = admin_client.patch("/api/v1/legal-entities/FAB/", {"country": country}, format="json")
    assert changed.status_code == 400 and list(changed.json()["fields"]) == ["country"]
    fabrikam["FAB"].refresh_from_db()
    assert fabrikam["FAB"].country == ""


def test_legal_entity_letterhead_field_too_long_names_it(admin_client, fabrikam):
    response = admin_client.patch(
        "/api/v1/legal-entities/FAB/", {"vat_number": "9" * 31}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["vat_number"]
