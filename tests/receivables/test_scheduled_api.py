"""The API of scheduled work: interest codes, jobs (start, progress, conflict, retry), interest
notes (post, waive, reinstate, reverse), recurring templates, assignments and what they
generated; permissions and query counts."""

from datetime import date

import pytest

from config.celery import app
from core.models import Job
from receivables.models import InterestNote, Invoice
from tests.conftest import make_clerk
from tests.factories.entities import PaymentTermsFactory
from tests.factories.receivables import post_invoice

pytestmark = pytest.mark.django_db
D = __import__("decimal").Decimal


@pytest.fixture
def client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


@pytest.fixture
def eager():
    """Jobs run in the test's own process when their transaction commits."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


INTEREST_CODE = {
    "code": "M15",
    "name": "1.5 % a month",
    "charge_per": "month",
    "ranges_by": "day",
    "grace_days": 0,
    "ranges": [{"from_overdue": 1, "to_overdue": None, "percent": "1.5"}],
    "currencies": [{"currency": "USD", "fixed_fee": "5.00", "minimum_interest": "0.00"}],
}


@pytest.fixture
def overdue(fabrikam, client):
    """FAB/4000 with interest code M15 and a 1,000.00 invoice due 2026-01-31."""
    assert client.post("/api/v1/interest-codes/", INTEREST_CODE, format="json").status_code == 201
    terms = PaymentTermsFactory(code="N30", net_days=30)
    customer = fabrikam["customers"]["FAB"]
    response = client.patch(
        f"/api/v1/customers/{customer.pk}/", {"interest_code": "M15"}, format="json"
    )
    assert response.status_code == 200, response.json()
    customer.refresh_from_db()
    post_invoice(customer, amounts=("1000.00",), on=date(2026, 1, 1), terms=terms)
    return customer


def test_interest_code_round_trip_and_overlap(client, db):
    created = client.post("/api/v1/interest-codes/", INTEREST_CODE, format="json")
    assert created.status_code == 201
    assert created.json()["ranges"] == [
        {"from_overdue": 1, "to_overdue": None, "percent": "1.500000"}
    ]
    assert created.json()["currencies"] == [
        {"currency": "USD", "fixed_fee": "5.00", "minimum_interest": "0.00"}
    ]
    bad = dict(
        INTEREST_CODE,
        code="BAD",
        ranges=[
            {"from_overdue": 1, "to_overdue": 30, "percent": "1"},
            {"from_overdue": 30, "to_overdue": None, "percent": "2"},
        ],
    )
    response = client.post("/api/v1/interest-codes/", bad, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"ranges": ["Ranges overlap: 1–30 and 30–no end."]}


def test_interest_job_through_the_api_then_post_the_note(
    client, overdue, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/api/v1/jobs/",
            {"kind": "interest_notes", "legal_entities": ["FAB"], "as_of": "2026-04-15"},
            format="json",
        )
    assert started.status_code == 202
    job = client.get(f"/api/v1/jobs/{started.json()['id']}/").json()
    assert (job["state"], job["done"], job["total"], job["percent"]) == ("done", 1, 1, 100)
    assert job["result"] == {"customers": 1, "notes": 1, "lines": 1}
    assert job["legal_entities"] == ["FAB"] and job["started_by"] == "admin"

    notes = client.get(f"/api/v1/interest-notes/?job={job['id']}").json()["results"]
    assert len(notes) == 1
    note = notes[0]
    assert (note["status"], note["interest"], note["fee"], note["total"]) == (
        "draft",
        "30.00",
        "5.00",
        "35.00",
    )
    assert note["lines"][0]["period_start"] == "2026-02-01"
    assert note["lines"][0]["period_end"] == "2026-03-31"
    assert note["lines"][0]["months"] == 2

    waived = client.post(f"/api/v1/interest-notes/{note['id']}/waive/", {"reason": "x"})
    assert waived.json()["status"] == "waived"
    refused = client.post(f"/api/v1/interest-notes/{note['id']}/post/")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_status_transition"
    client.post(f"/api/v1/interest-notes/{note['id']}/reinstate/")
    posted = client.post(f"/api/v1/interest-notes/{note['id']}/post/")
    assert posted.status_code == 200
    body = posted.json()
    assert body["status"] == "posted" and body["number"] == "FAB-INT00000001"
    ot = client.get(f"/api/v1/open-transactions/{body['open_transaction']}/").json()
    assert (ot["kind"], ot["amount"], ot["open_amount"]) == ("interest_note", "35.00", "35.00")
    reversed_ = client.post(f"/api/v1/interest-notes/{note['id']}/reverse/", {}, format="json")
    assert reversed_.status_code == 200 and reversed_.json()["reversal_voucher"] is not None


def test_interest_note_reinstate_after_its_days_were_charged_again_is_a_409(client, overdue):
    from receivables.services import interest_notes_create

    entity = overdue.legal_entity
    interest_notes_create(legal_entities=[entity], as_of=date(2026, 4, 15), actor=None)
    first = InterestNote.objects.get()
    waived = client.post(f"/api/v1/interest-notes/{first.pk}/waive/", {"reason": "x"})
    assert waived.status_code == 200
    interest_notes_create(legal_entities=[entity], as_of=date(2026, 4, 15), actor=None)
    again = InterestNote.objects.exclude(pk=first.pk).get()
    assert again.total == D("35.00")
    refused = client.post(f"/api/v1/interest-notes/{first.pk}/reinstate/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "interest_charged_again"
    assert refused.json()["message"] == (
        f"Interest note {first.pk} cannot be reinstated: interest note {again.pk} has charged "
        f"{again.lines.get().document_number} again from 2026-02-01 to 2026-03-31."
    )


def test_job_start_conflict_and_bad_input(client, fabrikam):
    payload = {"kind": "interest_notes", "legal_entities": ["FAB", "FABE"], "as_of": "2026-04-15"}
    first = client.post("/api/v1/jobs/", payload, format="json")
    assert first.status_code == 202 and first.json()["state"] == "queued"
    second = client.post("/api/v1/jobs/", dict(payload, legal_entities=["FABE"]), format="json")
    assert second.status_code == 409
    assert second.json()["code"] == "job_already_running"
    assert "FABE" in second.json()["message"]
    assert Job.objects.count() == 1
    other_kind = client.post(
        "/api/v1/jobs/", dict(payload, kind="recurring_invoices"), format="json"
    )
    assert other_kind.status_code == 202

    unknown = client.post("/api/v1/jobs/", dict(payload, kind="payroll"), format="json")
    assert unknown.status_code == 400 and "kind" in unknown.json()["fields"]
    no_entity = client.post("/api/v1/jobs/", dict(payload, legal_entities=["NOPE"]), format="json")
    assert no_entity.status_code == 400
    assert no_entity.json()["fields"]["legal_entities"] == ["Unknown legal entity 'NOPE'."]
    bad_date = client.post("/api/v1/jobs/", dict(payload, as_of="15/04/2026"), format="json")
    assert bad_date.status_code == 400 and "as_of" in bad_date.json()["fields"]


def test_jobs_and_notes_only_in_granted_entities(api_client, fabrikam, admin_user, client):
    job = client.post(
        "/api/v1/jobs/",
        {"kind": "interest_notes", "legal_entities": ["FABE"], "as_of": "2026-04-15"},
        format="json",
    ).json()
    clerk = make_clerk("fab-only", fabrikam["FAB"])
    api_client.force_authenticate(clerk)
    refused = api_client.post(
        "/api/v1/jobs/",
        {"kind": "interest_notes", "legal_entities": ["FABE"], "as_of": "2026-04-15"},
        format="json",
    )
    assert refused.status_code == 403
    assert api_client.get(f"/api/v1/jobs/{job['id']}/").status_code == 404
    assert api_client.get("/api/v1/jobs/").json()["count"] == 0
    allowed = api_client.post(
        "/api/v1/jobs/",
        {"kind": "interest_notes", "legal_entities": ["FAB"], "as_of": "2026-04-15"},
        format="json",
    )
    assert allowed.status_code == 202


def test_recurring_template_assignment_and_generation_through_the_api(
    client, fabrikam, eager, django_capture_on_commit_callbacks
):
    template = client.post(
        "/api/v1/recurring-templates/",
        {
            "legal_entity": "FAB",
            "code": "RENT",
            "description": "Office rent",
            "lines": [{"description": "Rent", "amount": "1000.00"}],
        },
        format="json",
    )
    assert template.status_code == 201, template.json()
    template_id = template.json()["id"]
    assert template.json()["lines"][0]["amount"] == "1000.00"

    bad = client.post(
        "/api/v1/recurring-assignments/",
        {
            "template": template_id,
            "customer": "4000",
            "start_date": "2026-01-31",
            "end_date": "2026-01-01",
        },
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"end_date": ["The end date cannot be before the start date."]}

    assignment = client.post(
        "/api/v1/recurring-assignments/",
        {
            "template": template_id,
            "customer": "4000",
            "start_date": "2026-01-31",
            "frequency": "months",
            "occurrences": 6,
            "post": True,
        },
        format="json",
    )
    assert assignment.status_code == 201, assignment.json()
    with django_capture_on_commit_callbacks(execute=True):
        job = client.post(
            "/api/v1/jobs/",
            {"kind": "recurring_invoices", "legal_entities": ["FAB"], "as_of": "2026-04-30"},
            format="json",
        ).json()
    job = client.get(f"/api/v1/jobs/{job['id']}/").json()
    assert job["state"] == "done"
    assert job["result"] == {"assignments": 1, "invoices": 4, "posted": 4, "skipped": 0}
    generated = client.get(f"/api/v1/recurring-invoices/?job={job['id']}").json()
    assert [g["period_date"] for g in generated["results"]] == [
        "2026-04-30",
        "2026-03-31",
        "2026-02-28",
        "2026-01-31",
    ]
    assert {g["invoice_status"] for g in generated["results"]} == {"posted"}
    detail = client.get(f"/api/v1/recurring-assignments/{assignment.json()['id']}/").json()
    assert (detail["generated_count"], detail["last_period"]) == (4, "2026-04-30")
    assert Invoice.objects.count() == 4


def test_template_without_lines_is_refused(client, fabrikam):
    response = client.post(
        "/api/v1/recurring-templates/",
        {"legal_entity": "FAB", "code": "X", "description": "x", "lines": []},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"lines": ["A template needs at least one line."]}


def test_interest_note_list_has_a_fixed_number_of_queries(
    client, overdue, django_assert_max_num_queries
):
    from receivables.services import interest_notes_create

    for month in (3, 4, 5, 6):
        interest_notes_create(
            legal_entities=[overdue.legal_entity], as_of=date(2026, month, 2), actor=None
        )
    assert InterestNote.objects.count() == 4
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/interest-notes/?legal_entity=FAB")
    assert response.json()["count"] == 4


def test_post_to_read_only_collections_is_405_not_an_error(client, fabrikam):
    assert client.post("/api/v1/interest-notes/", {}, format="json").status_code == 405
    assert client.post("/api/v1/recurring-invoices/", {}, format="json").status_code == 405


def test_jobs_refuse_dates_to_come(client, fabrikam):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    response = client.post(
        "/api/v1/jobs/",
        {"kind": "interest_notes", "legal_entities": ["FAB"], "as_of": str(today + timedelta(1))},
        format="json",
    )
    assert response.status_code == 400 and "as_of" in response.json()["fields"]
    ahead = client.post(
        "/api/v1/jobs/",
        {
            "kind": "recurring_invoices",
            "legal_entities": ["FAB"],
            "as_of": str(today + timedelta(30)),
        },
        format="json",
    )
    assert ahead.status_code == 202  # invoices may be generated ahead, up to a year
    far = client.post(
        "/api/v1/jobs/",
        {"kind": "recurring_invoices", "legal_entities": ["FABE"], "as_of": "9999-12-31"},
        format="json",
    )
    assert far.status_code == 400


def test_template_page_keeps_line_accounts_and_survives_a_bad_form_count(fabrikam, admin_user):
    from django.test import Client

    from ledger.models import MainAccount
    from receivables.services import TemplateLineInput, recurring_template_save

    account = MainAccount.objects.filter(legal_entity=fabrikam["FAB"], number="410100").first()
    account = account or MainAccount.objects.filter(legal_entity=fabrikam["FAB"]).first()
    template = recurring_template_save(
        legal_entity=fabrikam["FAB"],
        code="T",
        description="T",
        lines=[TemplateLineInput(description="a", amount=D("10.00"), account=account)],
        actor=None,
    )
    browser = Client()
    browser.force_login(admin_user)
    form = {
        "code": "T",
        "description": "Changed",
        "currency": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-description": "a",
        "lines-0-quantity": "1",
        "lines-0-amount": "12.00",
    }
    response = browser.post(f"/recurring/{template.pk}/edit/", form)
    assert response.status_code == 302
    (line,) = template.lines.all()
    assert (line.amount, line.account_id) == (D("12.00"), account.pk)
    bad = browser.post(
        f"/recurring/{template.pk}/edit/", {**form, "add_line": "1", "lines-TOTAL_FORMS": "abc"}
    )
    assert bad.status_code == 200
