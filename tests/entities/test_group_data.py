"""Group-wide data (SPEC section 12): parties and exchange rates are changed by a group data
steward or by a user granted every entity concerned; audit rows keep old and new values and are
shown only to users granted every entity they concern."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from core.models import AuditEntry
from core.roles import GROUP_DATA_STEWARD, INTEGRATOR, roles_sync
from entities.models import ExchangeRate, Party, PartyContact
from tests.conftest import make_clerk
from tests.factories.entities import CustomerFactory, EntityGrantFactory, PartyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contoso(fabrikam):
    """Party 5000 with a customer account in FABE only, its contact ann@contoso.example."""
    party = PartyFactory(number="5000", name="Contoso")
    PartyContact.objects.create(party=party, name="Ann", email="ann@contoso.example")
    customer = CustomerFactory(legal_entity=fabrikam["FABE"], account="5000", party=party)
    return {"party": party, "customer": customer}


def _client(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def _role_user(username, role, *entities):
    roles_sync()
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    for entity in entities:
        EntityGrantFactory(user=user, legal_entity=entity)
    return user


def test_party_save_refused_for_a_user_not_granted_every_entity(api_client, fabrikam, contoso):
    clerk = make_clerk("west", fabrikam["FABW"])
    response = _client(api_client, clerk).patch(
        "/api/v1/parties/5000/",
        {"name": "Evil", "contacts": [{"name": "X", "email": "attacker@evil.example"}]},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "group_data_not_granted"
    assert "Party 5000" in response.json()["message"]
    party = Party.objects.get(number="5000")
    assert party.name == "Contoso"
    assert list(party.contacts.values_list("email", flat=True)) == ["ann@contoso.example"]


def test_party_save_refused_for_an_integrator_of_another_entity(api_client, fabrikam, contoso):
    integrator = _role_user("int-west", INTEGRATOR, fabrikam["FABW"])
    response = _client(api_client, integrator).patch(
        "/api/v1/parties/5000/", {"name": "Renamed"}, format="json"
    )
    assert response.status_code == 403
    assert Party.objects.get(number="5000").name == "Contoso"


def test_letter_still_goes_to_the_address_its_entity_knows(
    api_client, fabrikam, contoso, django_capture_on_commit_callbacks
):
    """The two-user redirect: a FABW clerk tries to change the contact, a FABE user sends the
    next letter: it is emailed to the party's real contact."""
    from collections_app.services import letter_send
    from tests.factories.entities import PaymentTermsFactory
    from tests.factories.receivables import post_invoice

    west = make_clerk("west", fabrikam["FABW"])
    attempt = _client(api_client, west).patch(
        "/api/v1/parties/5000/",
        {"contacts": [{"name": "A", "email": "attacker@evil.example"}]},
        format="json",
    )
    assert attempt.status_code == 403
    terms = PaymentTermsFactory(code="N0", net_days=0)
    today = timezone.localdate()
    post_invoice(
        contoso["customer"], amounts=("100.00",), on=today - timedelta(days=40), terms=terms
    )
    east = make_clerk("east", fabrikam["FABE"])
    with django_capture_on_commit_callbacks(execute=True):
        letter = letter_send(customer=contoso["customer"], actor=east)
    assert letter.emailed_to == "ann@contoso.example"
    assert [m.to for m in mail.outbox] == [["ann@contoso.example"]]


def test_party_save_allowed_with_every_grant_and_audited_old_and_new(api_client, fabrikam, contoso):
    east = make_clerk("east", fabrikam["FABE"])
    response = _client(api_client, east).patch(
        "/api/v1/parties/5000/",
        {"name": "Contoso Ltd", "contacts": [{"name": "Bob", "email": "bob@contoso.example"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    entry = AuditEntry.objects.get(action="party.changed")
    assert entry.changes["name"] == ["Contoso", "Contoso Ltd"]
    assert entry.changes["contacts"] == [
        [{"name": "Ann", "email": "ann@contoso.example", "phone": "", "role": ""}],
        [{"name": "Bob", "email": "bob@contoso.example", "phone": "", "role": ""}],
    ]
    assert list(entry.legal_entities.values_list("code", flat=True)) == ["FABE"]


def test_party_save_allowed_for_a_steward_without_grants(api_client, fabrikam, contoso):
    steward = _role_user("steward", GROUP_DATA_STEWARD)
    response = _client(api_client, steward).patch(
        "/api/v1/parties/5000/", {"name": "Contoso Group"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Party.objects.get(number="5000").name == "Contoso Group"


def test_party_contact_without_name_is_a_field_error_not_a_500(api_client, fabrikam, admin_user):
    response = _client(api_client, admin_user).patch(
        "/api/v1/parties/4050/",
        {"contacts": [{"email": "0@0.com", "phone": "", "role": ""}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"contacts": {"0": {"name": ["This field is required."]}}}


def test_exchange_rate_create_needs_the_steward_role(api_client, fabrikam):
    integrator = _role_user("int-west", INTEGRATOR, fabrikam["FABW"])
    body = {
        "from_currency": "EUR",
        "to_currency": "USD",
        "rate": "1000",
        "valid_from": "2026-01-01",
    }
    refused = _client(api_client, integrator).post("/api/v1/exchange-rates/", body, format="json")
    assert refused.status_code == 403
    assert not ExchangeRate.objects.filter(rate=Decimal(1000)).exists()
    steward = _role_user("steward", GROUP_DATA_STEWARD)
    accepted = _client(api_client, steward).post("/api/v1/exchange-rates/", body, format="json")
    assert accepted.status_code == 201, accepted.json()


def test_exchange_rate_create_service_refuses_a_clerk(fabrikam):
    from entities.exceptions import GroupDataDenied
    from entities.services import exchange_rate_create

    clerk = make_clerk("clerk", fabrikam["FAB"], fabrikam["FABE"], fabrikam["FABW"])
    with pytest.raises(GroupDataDenied, match="only a group data steward"):
        exchange_rate_create(
            from_currency="EUR",
            to_currency="USD",
            rate=Decimal("1.1"),
            valid_from=date(2026, 1, 1),
            actor=clerk,
        )


def test_roles_sync_takes_away_a_permission_a_role_no_longer_has(db):
    from django.contrib.auth.models import Permission

    roles_sync()
    integrator = Group.objects.get(name=INTEGRATOR)
    integrator.permissions.add(Permission.objects.get(codename="add_exchangerate"))
    roles_sync()
    assert not integrator.permissions.filter(codename="add_exchangerate").exists()


def test_audit_entries_shown_only_when_every_entity_is_granted(api_client, fabrikam):
    from tests.factories.receivables import post_invoice, post_payment

    fab_customer, fabe_customer = fabrikam["customers"]["FAB"], fabrikam["customers"]["FABE"]
    invoice = post_invoice(fabe_customer, amounts=("100.00",), on=date(2026, 3, 2))
    payment = post_payment(fab_customer, amount="100.00", on=date(2026, 3, 9))
    from settlement.services import SettlementLineInput, settlement_create

    settlement = settlement_create(
        lines=[
            SettlementLineInput(transaction=payment.open_transaction.pk),
            SettlementLineInput(transaction=invoice.open_transaction.pk),
        ],
        on=date(2026, 3, 9),
        primary=None,
        actor=None,
    )
    entry = AuditEntry.objects.get(action="settlement.posted", object_id=str(settlement.pk))
    assert set(entry.legal_entities.values_list("code", flat=True)) == {"FAB", "FABE"}

    def actions(user):
        api_client.force_authenticate(user)
        rows = api_client.get("/api/v1/audit-entries/?page_size=1000").json()["results"]
        return {r["action"] for r in rows}

    fab_only = make_clerk("fab", fabrikam["FAB"])
    both = make_clerk("both", fabrikam["FAB"], fabrikam["FABE"])
    assert "settlement.posted" not in actions(fab_only)
    assert "settlement.posted" in actions(both)
    # Group-wide rows (a party created, concerning no entity yet) only for stewards.
    from django.db import transaction

    from entities.services import party_save

    with transaction.atomic():
        party_save(number="9998", name="Fresh", actor=None)
    assert "party.created" not in actions(both)
    assert "party.created" in actions(_role_user("steward", GROUP_DATA_STEWARD))
    api_client.force_authenticate(both)
    assert api_client.get(f"/api/v1/audit-entries/{entry.pk}/").status_code == 200
    api_client.force_authenticate(fab_only)
    assert api_client.get(f"/api/v1/audit-entries/{entry.pk}/").status_code == 404
