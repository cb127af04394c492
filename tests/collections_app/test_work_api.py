"""The collections API: the list (same numbers as the snapshot, pools, agent, permissions, a fixed
number of queries), activities, disputes, write-offs, letters and pools, with their bad input."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from collections_app.services import aging_snapshot_create
from tests.conftest import make_clerk
from tests.factories.entities import PaymentTermsFactory
from tests.factories.receivables import post_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


@pytest.fixture
def book(fabrikam):
    """FAB/4000 owes 100.00 due 70 days ago and 0.40 due 40 days ago; FABE/4000 owes 5,000.00
    due 10 days ago. Aged today."""
    today = timezone.localdate()
    terms = PaymentTermsFactory(code="N0", net_days=0)
    fab, fabe = fabrikam["customers"]["FAB"], fabrikam["customers"]["FABE"]
    old = post_invoice(fab, amounts=("100.00",), on=today - timedelta(days=70), terms=terms)
    small = post_invoice(fab, amounts=("0.40",), on=today - timedelta(days=40), terms=terms)
    post_invoice(fabe, amounts=("5000.00",), on=today - timedelta(days=10), terms=terms)
    entity = fabrikam["FAB"]
    entity.max_write_off = Decimal("1.00")
    entity.save()
    for code in ("FAB", "FABE"):
        aging_snapshot_create(legal_entity=fabrikam[code], as_of=today)
    return {"today": today, "old": old.open_transaction, "small": small.open_transaction,
            "fab": fab, "fabe": fabe}  # fmt: skip


def test_collections_list_pools_and_numbers(client, book, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        rows = client.get("/api/v1/collections-customers/").json()["results"]
    assert [(r["legal_entity"], r["customer"], r["balance"], r["overdue"]) for r in rows] == [
        ("FABE", "4000", "5000.00", "5000.00"),
        ("FAB", "4000", "100.40", "100.40"),
    ]
    fab = rows[1]
    assert [b["amount"] for b in fab["buckets"]] == ["0.00", "0.00", "0.40", "100.00", "0.00"]
    pool = client.post(
        "/api/v1/customer-pools/",
        {"code": "OVER60", "name": "Over 60 days", "criteria": {"min_days_overdue": 60}},
        format="json",
    )
    assert pool.status_code == 201
    pooled = client.get("/api/v1/collections-customers/?pool=OVER60").json()["results"]
    assert [r["customer_id"] for r in pooled] == [book["fab"].pk]
    bad = client.post(
        "/api/v1/customer-pools/",
        {"code": "BAD", "name": "x", "criteria": {"min_days_overdue": -3}},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["fields"] == {
        "criteria": ["criteria.min_days_overdue: -3 is not a valid value."]
    }
    assert client.get("/api/v1/collections-customers/?pool=NOPE").status_code == 400


def test_agent_and_my_customers(client, book, admin_user):
    response = client.post(
        f"/api/v1/collections-customers/{book['fab'].pk}/agent/", {"agent": "admin"}
    )
    assert response.status_code == 200 and response.json() == {"agent": "admin"}
    mine = client.get("/api/v1/collections-customers/?agent=me").json()["results"]
    assert [(r["customer_id"], r["agent"]) for r in mine] == [(book["fab"].pk, "admin")]


def test_clerk_sees_only_granted_entities(api_client, book, fabrikam):
    clerk = make_clerk("fab-only", fabrikam["FAB"])
    api_client.force_authenticate(clerk)
    rows = api_client.get("/api/v1/collections-customers/").json()["results"]
    assert {r["legal_entity"] for r in rows} == {"FAB"}
    hidden = api_client.post(
        f"/api/v1/collections-customers/{book['fabe'].pk}/credit-hold/",
        {"hold": True, "reason": "x"},
    )
    assert hidden.status_code in (403, 404)


def test_promise_dispute_letter_and_write_off_through_the_api(client, book):
    fab, today = book["fab"], book["today"]
    past = client.post(
        "/api/v1/activities/",
        {"customer_id": fab.pk, "kind": "promise_to_pay", "subject": "Pays next week",
         "promised_on": str(today - timedelta(days=1)), "promised_amount": "100.00"},
        format="json",
    )  # fmt: skip
    assert past.status_code == 400
    assert past.json()["fields"] == {"promised_on": ["The promised date is in the past."]}
    promise = client.post(
        "/api/v1/activities/",
        {"customer_id": fab.pk, "kind": "promise_to_pay", "subject": "Pays next week",
         "promised_on": str(today + timedelta(days=7)), "promised_amount": "100.00"},
        format="json",
    )  # fmt: skip
    assert promise.status_code == 201 and promise.json()["currency"] == "USD"

    dispute = client.post(
        "/api/v1/disputes/", {"open_transaction": book["small"].pk, "reason": "Not ordered"}
    )
    assert dispute.status_code == 201
    again = client.post("/api/v1/disputes/", {"open_transaction": book["small"].pk, "reason": "x"})
    assert again.status_code == 409
    refused = client.post(
        f"/api/v1/collections-customers/{fab.pk}/letters/",
        {"transactions": [book["small"].pk]},
        format="json",
    )
    assert refused.status_code == 400 and "in dispute" in refused.json()["message"]
    letter = client.post(f"/api/v1/collections-customers/{fab.pk}/letters/", {}, format="json")
    assert letter.status_code == 201, letter.json()
    assert (letter.json()["step"], letter.json()["total"]) == (1, "100.00")
    resolved = client.post(
        f"/api/v1/disputes/{dispute.json()['id']}/resolve/", {"resolution": "Accepted"}
    )
    assert resolved.json()["status"] == "resolved"

    too_much = client.post(
        "/api/v1/write-offs/", {"open_transaction": book["old"].pk, "reason": "x"}
    )
    assert too_much.status_code == 400 and "amount" in too_much.json()["fields"]
    write_off = client.post(
        "/api/v1/write-offs/", {"open_transaction": book["small"].pk, "reason": "Small balance"}
    )
    assert write_off.status_code == 201
    assert (write_off.json()["amount"], write_off.json()["accounting_amount"]) == ("0.40", "0.40")
    kinds = [
        a["kind"] for a in client.get(f"/api/v1/activities/?customer_id={fab.pk}").json()["results"]
    ]
    assert kinds == ["write_off", "dispute", "letter", "dispute", "promise_to_pay"]


def test_exports_and_letter_pdf(client, book, admin_user, django_capture_on_commit_callbacks):
    import csv
    import io

    from openpyxl import load_workbook

    from entities.models import PartyContact

    client.force_login(admin_user)
    response = client.get("/collections/export.csv?ordering=-balance")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:7] == [
        "legal_entity",
        "customer",
        "name",
        "party",
        "currency",
        "balance",
        "overdue",
    ]
    assert [(r[0], r[5]) for r in rows[1:]] == [("FABE", "5000.00"), ("FAB", "100.40")]
    workbook = load_workbook(io.BytesIO(client.get("/collections/export.xlsx").content))
    sheet = workbook["Collections"]
    assert sheet.max_row == 3 and sheet.cell(2, 1).value == "FABE"

    PartyContact.objects.create(party=book["fab"].party, name="AP", email="ap@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        letter = client.post(
            f"/api/v1/collections-customers/{book['fab'].pk}/letters/", {}, format="json"
        ).json()
    from django.core import mail

    (message,) = mail.outbox
    assert message.attachments[0][0] == f"letter-{letter['id']}.pdf"
    assert message.attachments[0][1][:5] == b"%PDF-"
    pdf = client.get(f"/collections/letters/{letter['id']}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"


def test_collections_page_has_a_fixed_number_of_queries(
    client, book, admin_user, django_assert_max_num_queries
):
    from django.test import Client

    browser = Client()
    browser.force_login(admin_user)
    with django_assert_max_num_queries(15):  # 14, and the saved filters of its menu
        response = browser.get("/collections/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "5,000.00" in html and 'id="aging-chart"' in html


def test_collections_page_per_party_and_by_currency(client, book, admin_user):
    from django.test import Client

    browser = Client()
    browser.force_login(admin_user)
    html = browser.get("/collections/?view=party").content.decode()
    assert 'data-party="4050"' in html and "5,100.40 USD" in html
    assert f"/collections/customers/{book['fab'].pk}/" in html  # the party's first account
    empty = browser.get("/collections/?currency=EUR").content.decode()
    assert "No customers match." in empty

    # The currency filter is the open items' currency, not the accounting currency the lines
    # are aged in: a EUR invoice of the USD entity FABE brings its customer and party in.
    from tests.factories.entities import ExchangeRateFactory

    ExchangeRateFactory(rate=Decimal("1.10"), valid_from=book["today"] - timedelta(days=30))
    post_invoice(book["fabe"], amounts=("50.00",), on=book["today"], currency="EUR")
    euros = browser.get("/collections/?currency=EUR").content.decode()
    assert f"/collections/customers/{book['fabe'].pk}/" in euros
    assert f"/collections/customers/{book['fab'].pk}/" not in euros
    by_party = browser.get("/collections/?view=party&currency=EUR").content.decode()
    assert 'data-party="4050"' in by_party
    assert "No customers match." in browser.get("/collections/?currency=GBP").content.decode()


def test_a_clerk_may_not_write_off_from_the_page(fabrikam, book):
    from django.test import Client

    from collections_app.models import WriteOff

    clerk = make_clerk("clerk-fab", fabrikam["FAB"])  # AR clerk: no write-off permission
    browser = Client()
    browser.force_login(clerk)
    response = browser.post(
        f"/collections/customers/{book['fab'].pk}/write-off/",
        {"transaction": book["small"].pk, "reason": "x"},
        follow=True,
    )
    assert "Your role may not do this." in response.content.decode()
    assert not WriteOff.objects.exists()


def test_write_off_with_an_idempotency_key_posts_once(client, book):
    from collections_app.models import WriteOff

    body = {"open_transaction": book["small"].pk, "reason": "Small balance"}
    first = client.post("/api/v1/write-offs/", body, HTTP_IDEMPOTENCY_KEY="wo-1")
    again = client.post("/api/v1/write-offs/", body, HTTP_IDEMPOTENCY_KEY="wo-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    other = client.post(
        "/api/v1/write-offs/", {**body, "reason": "Else"}, HTTP_IDEMPOTENCY_KEY="wo-1"
    )
    assert other.status_code == 409
    assert WriteOff.objects.count() == 1
    precise = client.post(
        "/api/v1/write-offs/",
        {"open_transaction": book["old"].pk, "amount": "0.001", "reason": "x"},
    )
    assert precise.status_code == 400
    assert precise.json()["fields"] == {"amount": ["0.001 has more decimals than USD allows."]}
