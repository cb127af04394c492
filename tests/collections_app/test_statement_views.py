"""The statement pages: generated from a customer's collections view with errors beside their
field, read, printed, emailed; the list and the pool form; only in the granted entities."""

from datetime import date

import pytest
from django.core import mail

from collections_app.models import CustomerStatement
from collections_app.services.statements import customer_statement_create
from tests.conftest import make_clerk
from tests.factories.entities import UserFactory
from tests.factories.receivables import post_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(fabrikam):
    post_invoice(fabrikam["customers"]["FAB"], amounts=["120.00"], on=date(2026, 3, 2))
    post_invoice(fabrikam["customers"]["FABE"], amounts=["80.00"], on=date(2026, 3, 3))
    return fabrikam


def test_generate_from_the_customer_page(client, book):
    clerk = make_clerk("clerk", book["FAB"], book["FABE"])
    client.force_login(clerk)
    fab = book["customers"]["FAB"]
    page = client.get(f"/collections/customers/{fab.pk}/").content.decode()
    assert f'action="/collections/statements/customer/{fab.pk}/"' in page
    bad = client.post(
        f"/collections/statements/customer/{fab.pk}/", {"date_from": "2026-03-01", "date_to": "x"}
    )
    assert bad.status_code == 302 and not CustomerStatement.objects.exists()
    page = client.get(bad["Location"]).content.decode()
    assert '<span class="error" id="st-to-error">Enter a date as YYYY-MM-DD.</span>' in page
    assert 'value="2026-03-01"' in page  # what was typed is kept
    made = client.post(
        f"/collections/statements/customer/{fab.pk}/",
        {"date_from": "2026-03-01", "date_to": "2026-03-31", "scope": "party"},
    )
    statement = CustomerStatement.objects.get()
    assert made["Location"] == f"/collections/statements/{statement.pk}/"
    assert statement.customer is None and statement.party == fab.party
    assert statement.sections[0]["closing_balance"] == "200.00"
    page = client.get(made["Location"]).content.decode()
    assert '<td class="num closing">200.00</td>' in page
    assert f'href="/collections/statements/{statement.pk}/pdf/"' in page
    pdf = client.get(f"/collections/statements/{statement.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    printed = client.get(f"/collections/statements/{statement.pk}/print/").content.decode()
    assert "Account statement" in printed and "@page" in printed
    listed = client.get("/collections/statements/").content.decode()
    assert f'href="/collections/statements/{statement.pk}/"' in listed


def test_statement_email_page_error_beside_the_field(
    client, book, django_capture_on_commit_callbacks
):
    clerk = make_clerk("clerk", book["FAB"])
    statement = customer_statement_create(
        actor=clerk,
        customer=book["customers"]["FAB"],
        date_from=date(2026, 3, 1),
        date_to=date(2026, 3, 31),
    )
    client.force_login(clerk)
    response = client.post(f"/collections/statements/{statement.pk}/email/", {"email": ""})
    page = client.get(response["Location"]).content.decode()
    assert 'id="statement-email-error">Party 4050 has no contact with an email address' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/collections/statements/{statement.pk}/email/", {"email": "ap@example.com"})
    (message,) = mail.outbox
    assert message.to == ["ap@example.com"]


def test_statement_pages_only_in_the_granted_entities(client, book):
    statement = customer_statement_create(
        actor=None,
        party=book["party"],
        date_from=date(2026, 3, 1),
        date_to=date(2026, 3, 31),
    )
    fab_only = make_clerk("fab-only", book["FAB"])
    client.force_login(fab_only)
    # The party statement covers FAB, FABE and FABW: a FAB clerk does not see it.
    for path in ("", "pdf/", "print/"):
        assert client.get(f"/collections/statements/{statement.pk}/{path}").status_code == 404
    assert client.post(f"/collections/statements/{statement.pk}/email/").status_code == 404
    fabe = book["customers"]["FABE"]
    assert (
        client.post(
            f"/collections/statements/customer/{fabe.pk}/",
            {"date_from": "2026-03-01", "date_to": "2026-03-31"},
        ).status_code
        == 404
    )
    # Granted but without a role that makes statements.
    reader = UserFactory(username="reader")
    from tests.factories.entities import EntityGrantFactory

    EntityGrantFactory(user=reader, legal_entity=book["FAB"])
    client.force_login(reader)
    fab = book["customers"]["FAB"]
    refused = client.post(
        f"/collections/statements/customer/{fab.pk}/",
        {"date_from": "2026-03-01", "date_to": "2026-03-31"},
    )
    assert refused.status_code == 403
    assert CustomerStatement.objects.count() == 1


def test_pool_form_errors_beside_their_fields(client, book):
    clerk = make_clerk("clerk", book["FAB"])
    client.force_login(clerk)
    response = client.post(
        "/collections/statements/pool/", {"pool": "", "date_from": "2026-03-01", "date_to": ""}
    )
    page = client.get(response["Location"]).content.decode()
    assert '<span class="error">Choose a customer pool.</span>' in page
    assert '<span class="error">Enter a date as YYYY-MM-DD.</span>' in page
    assert 'value="2026-03-01"' in page


def test_the_customer_page_links_to_the_statement_form(client, book):
    clerk = make_clerk("clerk", book["FAB"])
    client.force_login(clerk)
    fab = book["customers"]["FAB"]
    page = client.get(f"/customers/{fab.pk}/").content.decode()
    assert f'href="/collections/customers/{fab.pk}/#statement-form"' in page
