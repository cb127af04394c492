"""``/api/v1/payment-journals/``: drafts with lines, changed whole or line by line, validated
with every problem at once, posted all or nothing and once, in the granted entities only."""

from decimal import Decimal

import pytest

from receivables.models import Payment, PaymentJournal
from settlement.models import Settlement
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice

pytestmark = pytest.mark.django_db
URL = "/api/v1/payment-journals/"


@pytest.fixture
def clerk(fabrikam):
    return make_clerk("clerk", fabrikam["FAB"])


@pytest.fixture
def client(api_client, clerk):
    api_client.force_authenticate(clerk)
    return api_client


def _create(client, lines, **extra):
    return client.post(
        URL,
        {"legal_entity": "FAB", "description": "Lockbox", "lines": lines, **extra},
        format="json",
    )


def test_create_keeps_a_draft_without_blank_lines(client):
    response = _create(
        client,
        [
            {"customer": "4000", "date": "2026-03-09", "amount": "100.00", "reference": "R1"},
            {},
            {"amount": "5"},
        ],
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["line_count"], body["description"]) == ("draft", 2, "Lockbox")
    assert [
        (ln["position"], ln["customer"], ln["amount"], ln["currency"]) for ln in body["lines"]
    ] == [
        (1, "4000", "100.00", "USD"),
        (2, None, "5", ""),
    ]
    assert body["totals"] == [{"currency": "USD", "amount": "100.00", "count": 1}]
    assert not Payment.objects.exists()


def test_validate_reports_every_problem_then_post_refuses_with_the_same(client):
    journal = _create(
        client,
        [
            {"customer": "4000", "date": "2026-03-09", "amount": "-1.00"},
            {"amount": "5.00", "date": "2026-03-09"},
        ],
    ).json()
    response = client.post(f"{URL}{journal['id']}/validate/")
    assert response.status_code == 200
    assert response.json() == {
        "valid": False,
        "problems": 2,
        "fields": {
            "lines": {
                "1": {"amount": ["The amount must be greater than zero."]},
                "2": {"customer": ["Choose a customer."]},
            }
        },
    }
    response = client.post(f"{URL}{journal['id']}/post/")
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Line 1: The amount must be greater than zero. (1 more problem)"
    )
    assert response.json()["fields"]["lines"]["2"] == {"customer": ["Choose a customer."]}
    assert not Payment.objects.exists()


def test_lines_patched_added_and_deleted_then_posted_once(client, fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["80.00"])
    journal = _create(client, [{"customer": "4000", "date": "2026-03-09", "amount": "1.00"}]).json()
    line_id = journal["lines"][0]["id"]
    response = client.patch(
        f"{URL}{journal['id']}/lines/{line_id}/",
        {
            "customer": "4000",
            "date": "2026-03-09",
            "amount": "80.00",
            "settle": [{"transaction": invoice.open_transaction.pk}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["lines"][0]["settle"] == [
        {
            "transaction": invoice.open_transaction.pk,
            "document_number": "FAB-INV00000001",
            "amount": None,
        }
    ]
    response = client.post(
        f"{URL}{journal['id']}/lines/",
        {"customer": "4000", "date": "2026-03-10", "amount": "3.00", "method": "cash"},
        format="json",
    )
    assert response.status_code == 201
    added = response.json()["lines"][1]
    assert (added["position"], added["method"]) == (2, "cash")
    client.post(f"{URL}{journal['id']}/lines/", {"amount": "9.00"}, format="json")
    third = client.get(f"{URL}{journal['id']}/").json()["lines"][2]["id"]
    # A line's route answers PATCH and DELETE only, never a POST meant for the journal.
    assert client.post(f"{URL}{journal['id']}/lines/{third}/").status_code == 405
    response = client.delete(f"{URL}{journal['id']}/lines/{third}/")
    assert response.status_code == 200 and response.json()["line_count"] == 2
    response = client.post(f"{URL}{journal['id']}/post/", HTTP_IDEMPOTENCY_KEY="journal-1")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "posted"
    assert [ln["payment_number"] for ln in body["lines"]] == ["FAB-PAY00000001", "FAB-PAY00000002"]
    again = client.post(f"{URL}{journal['id']}/post/")
    assert again.status_code == 200 and again.json()["status"] == "posted"
    replay = client.post(f"{URL}{journal['id']}/post/", HTTP_IDEMPOTENCY_KEY="journal-1")
    assert replay.json() == body
    assert Payment.objects.count() == 2 and Settlement.objects.count() == 1
    invoice.open_transaction.refresh_from_db()
    assert invoice.open_transaction.open_amount == Decimal("0.00")
    response = client.patch(f"{URL}{journal['id']}/", {"description": "late"}, format="json")
    assert response.status_code == 400
    assert (
        response.json()["message"]
        == f"Payment journal {journal['id']} is posted: it cannot be changed."
    )


def test_bad_input_is_a_400_beside_the_field(client):
    response = _create(client, [{"customer": "nobody", "amount": "1.00"}])
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "lines": {"0": {"customer": ["No customer 'nobody' in legal entity FAB."]}}
    }
    response = _create(client, [{"customer": "4000", "amount": "abc"}])
    assert response.status_code == 400
    assert response.json()["fields"]["lines"]["0"]["amount"] == ["Enter an amount such as 600.00."]
    response = _create(client, [{"customer": "4000", "settle": [{"transaction": 999999}]}])
    assert response.status_code == 400
    assert response.json()["message"] == "No open transaction 999999."
    assert not PaymentJournal.objects.exists()


def test_journals_of_other_entities_are_out_of_reach(client, fabrikam, admin_user, api_client):
    response = client.post(URL, {"legal_entity": "FABE", "lines": []}, format="json")
    assert response.status_code == 403
    api_client.force_authenticate(admin_user)
    theirs = api_client.post(
        URL,
        {
            "legal_entity": "FABE",
            "lines": [{"customer": "4000", "date": "2026-03-09", "amount": "5"}],
        },
        format="json",
    ).json()
    mine = api_client.post(URL, {"legal_entity": "FAB"}, format="json").json()
    api_client.force_authenticate(make_clerk("other", fabrikam["FAB"]))
    assert api_client.get(f"{URL}{theirs['id']}/").status_code == 404
    assert api_client.post(f"{URL}{theirs['id']}/post/").status_code == 404
    assert api_client.post(f"{URL}{theirs['id']}/validate/").status_code == 404
    assert api_client.get(f"{URL}?legal_entity=FABE").status_code == 403
    listed = api_client.get(URL).json()
    assert [j["id"] for j in listed["results"]] == [mine["id"]]
    assert not Payment.objects.exists()


def test_list_is_filtered_and_counted_in_few_queries(client, django_assert_max_num_queries):
    for n in range(3):
        _create(client, [{"customer": "4000", "date": "2026-03-09", "amount": f"{n + 1}.00"}] * 3)
    with django_assert_max_num_queries(12):
        response = client.get(f"{URL}?legal_entity=FAB&status=draft")
    body = response.json()
    assert body["count"] == 3
    assert [j["totals"] for j in body["results"]][0] == [
        {"currency": "USD", "amount": "9.00", "count": 3}
    ]


def test_delete_removes_a_draft_with_its_lines_and_marks_and_refuses_a_posted_one(client, fabrikam):
    from core.models import AuditEntry
    from receivables.models import PaymentJournalLine, PaymentJournalMark

    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["100.00"])
    line = {"customer": "4000", "date": "2026-03-09", "amount": "100.00"}
    marked = {**line, "settle": [{"transaction": invoice.open_transaction.pk}]}
    draft = _create(client, [marked, line]).json()
    assert PaymentJournalMark.objects.filter(line__journal_id=draft["id"]).count() == 1

    response = client.delete(f"{URL}{draft['id']}/")

    assert response.status_code == 204
    assert not PaymentJournal.objects.filter(pk=draft["id"]).exists()
    assert not PaymentJournalLine.objects.filter(journal_id=draft["id"]).exists()
    assert not PaymentJournalMark.objects.exists()
    entry = AuditEntry.objects.get(action="payment_journal.deleted")
    assert entry.changes["lines"] == [2, None]
    assert client.delete(f"{URL}{draft['id']}/").status_code == 404

    posted = _create(client, [line]).json()
    assert client.post(f"{URL}{posted['id']}/post/").status_code == 200
    response = client.delete(f"{URL}{posted['id']}/")
    assert response.status_code in (400, 409)
    assert response.json()["fields"] == {"status": [response.json()["message"]]}
    assert "is posted" in response.json()["message"]
    assert PaymentJournal.objects.filter(pk=posted["id"]).exists()
    assert Payment.objects.count() == 1


def test_delete_of_another_entitys_draft_is_not_found(api_client, fabrikam):
    other = make_clerk("east", fabrikam["FABE"])
    api_client.force_authenticate(other)
    draft = api_client.post(URL, {"legal_entity": "FABE", "lines": []}, format="json").json()
    api_client.force_authenticate(make_clerk("clerk", fabrikam["FAB"]))
    assert api_client.delete(f"{URL}{draft['id']}/").status_code == 404
    assert PaymentJournal.objects.filter(pk=draft["id"]).exists()
