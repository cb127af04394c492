"""References to another legal entity's objects answer as if they did not exist; the letter
form takes one email address, as the API does."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from collections_app.models import Activity, CollectionLetter, Dispute
from collections_app.services import dispute_open
from core.roles import COLLECTIONS_MANAGER
from tests.conftest import make_clerk
from tests.factories.entities import PaymentTermsFactory
from tests.factories.receivables import post_invoice

pytestmark = pytest.mark.django_db


def _manager(username, *entities):
    user = make_clerk(username, *entities)
    user.groups.add(Group.objects.get(name=COLLECTIONS_MANAGER))
    return user


@pytest.fixture
def overdue(fabrikam):
    terms = PaymentTermsFactory(code="N0", net_days=0)
    on = timezone.localdate() - timedelta(days=40)
    return {
        code: post_invoice(fabrikam["customers"][code], amounts=("100.00",), on=on, terms=terms)
        for code in ("FAB", "FABW")
    }


def test_activity_on_another_entitys_transaction_does_not_exist(api_client, fabrikam, overdue):
    api_client.force_authenticate(_manager("west", fabrikam["FABW"]))
    fab_ot = overdue["FAB"].open_transaction
    response = api_client.post(
        "/api/v1/activities/",
        {
            "customer_id": fabrikam["customers"]["FABW"].pk,
            "kind": "call",
            "subject": "Called",
            "open_transaction": fab_ot.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "open_transaction": [f"Open transaction {fab_ot.pk} does not exist."]
    }
    assert fab_ot.document_number not in response.content.decode()
    assert not Activity.objects.exists()


def test_activity_for_another_entitys_customer_does_not_exist(api_client, fabrikam):
    api_client.force_authenticate(_manager("west", fabrikam["FABW"]))
    fab = fabrikam["customers"]["FAB"]
    response = api_client.post(
        "/api/v1/activities/",
        {"customer_id": fab.pk, "kind": "call", "subject": "Called"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"customer_id": [f"Customer {fab.pk} does not exist."]}


def test_resolving_another_entitys_dispute_in_the_browser_is_404(client, fabrikam, overdue):
    dispute = dispute_open(
        open_transaction=overdue["FAB"].open_transaction, reason="Damaged", actor=None
    )
    client.force_login(_manager("west", fabrikam["FABW"]))
    west = fabrikam["customers"]["FABW"]
    response = client.post(
        f"/collections/customers/{west.pk}/resolve/", {"dispute": dispute.pk, "resolution": "x"}
    )
    assert response.status_code == 404
    assert Dispute.objects.get(pk=dispute.pk).status == "open"


def test_letter_form_refuses_a_list_of_addresses(client, fabrikam, overdue):
    customer = fabrikam["customers"]["FAB"]
    client.force_login(_manager("fab", fabrikam["FAB"]))
    response = client.post(
        f"/collections/customers/{customer.pk}/letter/",
        {"email": "victim@example.com, attacker@evil.example"},
    )
    assert response.status_code == 302
    assert not CollectionLetter.objects.exists()
    page = client.get(response.url).content.decode()
    assert "is not one email address" in page
    assert 'value="victim@example.com, attacker@evil.example"' in page
    sent = client.post(f"/collections/customers/{customer.pk}/letter/", {"email": "a@b.example"})
    assert sent.status_code == 302
    assert CollectionLetter.objects.get().emailed_to == "a@b.example"


def test_letter_send_service_refuses_a_list_of_addresses(fabrikam, overdue):
    from collections_app.services import letter_send
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="is not one email address"):
        letter_send(
            customer=fabrikam["customers"]["FAB"],
            actor=None,
            email="victim@example.com,attacker@evil.example",
        )
