"""Browser pages ask the role's permission before they write, as the API does: a user granted
the legal entity but in no role reads, and may not post."""

import pytest
from django.test import Client

from receivables.models import Invoice
from tests.factories.entities import EntityGrantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(fabrikam):
    user = UserFactory(username="reader")
    EntityGrantFactory(user=user, legal_entity=fabrikam["FAB"])
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/invoices/new/",
        "/credit-notes/new/",
        "/payments/journal/",
        "/settle/",
        "/recurring/new/",
        "/jobs/",
        "/ar-close/",
    ],
)
def test_a_user_without_a_role_reads_but_may_not_write(reader, url):
    assert reader.get(url).status_code in (200, 302, 404)
    assert reader.post(url, {}).status_code == 403
    assert not Invoice.objects.exists()
