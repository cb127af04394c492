"""The admin pages and the API docs load for a signed-in administrator, offline."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories.ledger import post_simple_voucher

pytestmark = pytest.mark.django_db


def test_every_admin_changelist_and_add_page_loads(client, admin_user, fabrikam):
    post_simple_voucher(fabrikam["FAB"])
    client.force_login(admin_user)
    for model, model_admin in admin.site._registry.items():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        response = client.get(reverse(f"admin:{info}_changelist"))
        assert response.status_code == 200, info
        if model_admin.has_add_permission(response.wsgi_request):
            assert client.get(reverse(f"admin:{info}_add")).status_code == 200, info


def test_admin_creates_legal_entity_with_its_ledger_setup(client, admin_user, fabrikam):
    from entities.models import LegalEntity
    from ledger.models import PostingSetup

    client.force_login(admin_user)
    response = client.post(
        reverse("admin:entities_legalentity_add"),
        {
            "code": "FABN",
            "name": "Fabrikam North",
            "accounting_currency": "EUR",
            "max_underpayment": "0",
            "max_overpayment": "0",
            "max_write_off": "0",
            "cash_discount_posted_in": "invoice",
            "fx_posted_in": "payment",
            "auto_match_threshold": "95",
            "language": "fr",
            "address_lines": "1 rue de la Paix",
            "postal_code": "75002",
            "city": "Paris",
            "country": "fr",
            "vat_number": "FR40303265045",
        },
    )
    assert response.status_code == 302
    created = LegalEntity.objects.get(code="FABN")
    assert created.language == "fr"
    assert created.postal_address == ["1 rue de la Paix", "75002 Paris", "France"]
    assert (created.country, created.vat_number) == ("FR", "FR40303265045")
    setup = PostingSetup.objects.filter(legal_entity__code="FABN")
    assert setup.filter(posting_type="intercompany_due_to", counterparty__code="FAB").exists()
    assert PostingSetup.objects.filter(
        legal_entity__code="FAB", posting_type="intercompany_due_from", counterparty__code="FABN"
    ).exists()


def test_admin_changes_the_letterhead_and_refuses_an_unknown_country(client, admin_user, fabrikam):
    from core.models import AuditEntry

    client.force_login(admin_user)
    url = reverse("admin:entities_legalentity_change", args=[fabrikam["FABE"].pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    refused = client.post(url, {**data, "country": "XX"})
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["country"] == [
        "Unknown country 'XX': use an ISO 3166 alpha-2 code such as FR or NO."
    ]
    changed = client.post(url, {**data, "country": "no", "vat_number": "NO923609016MVA"})
    assert changed.status_code == 302
    fabrikam["FABE"].refresh_from_db()
    assert (fabrikam["FABE"].country, fabrikam["FABE"].vat_number) == ("NO", "NO923609016MVA")
    entry = AuditEntry.objects.get(action="legal_entity.parameters_changed")
    assert entry.changes == {"country": ["", "NO"], "vat_number": ["", "NO923609016MVA"]}


def test_api_docs_are_served_offline(client, admin_user):
    assert client.get("/api/docs/").status_code == 302  # sign-in first
    client.force_login(admin_user)
    html = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in html
    # No asset from elsewhere (a random CSRF token may hold the letters "cdn": look at URLs).
    assert not re.search(r"(https?:)?//[^\s\"']*(cdn|unpkg)", html, re.IGNORECASE)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/legal-entities/{code}/trial-balance/" in schema["paths"]


def test_pages_require_sign_in(client):
    for url in ("/", "/ledger/trial-balance/", "/ledger/vouchers/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_pages_of_other_entity_are_404_for_clerk(client, fabrikam):
    from tests.conftest import make_clerk

    voucher = post_simple_voucher(fabrikam["FABW"])
    client.force_login(make_clerk("clerk", fabrikam["FABE"]))
    assert client.get("/ledger/FABE/trial-balance/").status_code == 200
    for url in (
        "/ledger/FABW/trial-balance/",
        "/ledger/FABW/vouchers/",
        f"/ledger/vouchers/{voucher.pk}/",
        "/entities/FABW/",
    ):
        assert client.get(url).status_code == 404, url
    # The switcher refuses an entity not granted.
    client.post("/entities/switch/", {"legal_entity": "FABW"})
    assert client.get("/ledger/trial-balance/").context["entity"].code == "FABE"


def test_csrf_is_enforced_on_forms(fabrikam):
    from django.test import Client

    from tests.conftest import make_clerk

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_clerk("clerk", fabrikam["FABE"]))
    assert client.post("/entities/switch/", {"legal_entity": "FABE"}).status_code == 403
