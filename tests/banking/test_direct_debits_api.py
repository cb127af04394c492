"""Direct debits through the API (mandates: create, read, change, cancel, delete; collection
runs: preview, start, read, the pain.008 file) and the pages, with Django's test client."""

import pytest
import xmlschema

from banking.models import DirectDebitCollection, DirectDebitMandate
from core.jobs import job_run
from tests.conftest import make_clerk
from tests.factories.entities import LegalEntityFactory

from .dd_helpers import PAIN008_XSD, collect_on, invoice_for, mandate_for, today

pytestmark = pytest.mark.django_db
MANDATES = "/api/v1/direct-debit-mandates/"
COLLECTIONS = "/api/v1/direct-debit-collections/"


@pytest.fixture
def clerk(dd, api_client):
    user = make_clerk("clerk", dd["entity"])
    api_client.force_authenticate(user)
    return user


def _mandate_body(dd, **given):
    return {
        "legal_entity": "SEPA",
        "customer": dd["customers"][0].pk,
        "reference": "MNDT-API-1",
        "iban": "DE89 3704 0044 0532 0130 00",
        "bic": "COBADEFFXXX",
        "signature_date": today().isoformat(),
        "scheme": "CORE",
        "recurrent": True,
        **given,
    }


def test_mandates_api_create_read_change_cancel_delete(dd, clerk, api_client, admin_user):
    created = api_client.post(MANDATES, _mandate_body(dd), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert {k: body[k] for k in ("iban", "status", "next_sequence_type", "scheme")} == {
        "iban": "DE89370400440532013000",
        "status": "active",
        "next_sequence_type": "FRST",
        "scheme": "CORE",
    }
    url = f"{MANDATES}{body['id']}/"
    listed = api_client.get(MANDATES, {"legal_entity": "SEPA", "status": "active"})
    assert [m["reference"] for m in listed.json()["results"]] == ["MNDT-API-1"]

    changed = api_client.patch(url, {"recurrent": False}, format="json")
    assert (changed.status_code, changed.json()["next_sequence_type"]) == (200, "OOFF")

    cancelled = api_client.post(f"{url}cancel/")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    again = api_client.post(f"{url}cancel/")
    assert again.status_code == 400
    assert again.json()["message"] == (
        "Mandate MNDT-API-1 is cancelled: it cannot become cancelled."
    )

    assert api_client.delete(url).status_code == 403  # clerks add, change and cancel
    api_client.force_authenticate(admin_user)
    assert api_client.delete(url).status_code == 204
    assert not DirectDebitMandate.objects.exists()


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"iban": "DE00370400440532013000"}, "iban", "is not a valid IBAN"),
        ({"bic": "NOTABIC"}, "bic", "is not a valid BIC"),
        ({"reference": "Mandat für Müller"}, "reference", "characters outside the SEPA set"),
        ({"reference": "X" * 40}, "reference", "has 40 characters; at most 35 are allowed."),
        ({"scheme": "XYZ"}, "scheme", ""),
    ],
)
def test_mandates_api_refuses_bad_input_naming_the_field(
    dd, clerk, api_client, given, field, message
):
    response = api_client.post(MANDATES, _mandate_body(dd, **given), format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert message in response.json()["fields"][field][0]


def test_mandates_api_refuses_another_entity(dd, api_client):
    LegalEntityFactory(code="OTHER", accounting_currency="EUR")
    user = make_clerk("other-clerk", LegalEntityFactory(code="OTHER"))
    api_client.force_authenticate(user)
    response = api_client.post(MANDATES, _mandate_body(dd), format="json")
    assert response.status_code == 403
    assert api_client.get(MANDATES).json()["results"] == []


def test_collections_api_preview_start_read_and_file(
    dd, clerk, api_client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    mandate_for(dd, 0)
    mandate_for(dd, 1, recurrent=False)
    invoice_for(dd, 0, "1000.00", discount=True)
    invoice_for(dd, 1, "25.00")
    given = {
        "legal_entity": "SEPA",
        "bank_account": dd["account"].pk,
        "collection_date": collect_on().isoformat(),
        "due_until": collect_on().isoformat(),
    }

    preview = api_client.post(f"{COLLECTIONS}preview/", given, format="json").json()
    assert (preview["count"], preview["total"], preview["cash_discount"]) == (
        2,
        "1005.00",
        "20.00",
    )
    assert [p["sequence_type"] for p in preview["payments"]] == ["FRST", "OOFF"]
    assert not DirectDebitCollection.objects.exists()

    with django_capture_on_commit_callbacks(execute=False):
        started = api_client.post(COLLECTIONS, given, format="json")
    assert started.status_code == 201, started.json()
    assert (started.json()["status"], started.json()["count"]) == ("queued", 0)
    assert api_client.post(COLLECTIONS, given, format="json").status_code == 409  # one at once
    job_run(job_id=started.json()["job"])

    url = f"{COLLECTIONS}{started.json()['id']}/"
    body = api_client.get(url).json()
    assert (body["status"], body["count"], body["total"]) == ("collected", 2, "1005.00")
    assert [
        (p["mandate_reference"], p["amount"], p["sequence_type"]) for p in body["payments"]
    ] == [
        ("MNDT-0001", "980.00", "FRST"),
        ("MNDT-0002", "25.00", "OOFF"),
    ]
    with django_assert_max_num_queries(8):
        listed = api_client.get(COLLECTIONS)
    assert listed.json()["count"] == 1

    file = api_client.get(f"{url}file/")
    assert file.status_code == 200
    assert file["Content-Type"] == "application/xml; charset=utf-8"
    assert "attachment" in file["Content-Disposition"]
    xmlschema.XMLSchema(str(PAIN008_XSD)).validate(file.content.decode())


@pytest.mark.parametrize(
    ("given", "status", "field"),
    [
        ({"collection_date": "2020-01-02"}, 400, "collection_date"),
        ({"collection_date": "not a date"}, 400, "collection_date"),
        ({"bank_account": 999999}, 400, "bank_account"),
        ({"legal_entity": "NOPE"}, 400, "legal_entity"),
        ({"mandates": [999999]}, 400, "mandates"),
        ({"due_until": None}, 400, "due_until"),
    ],
)
def test_collections_api_refuses_bad_input_naming_the_field(
    dd, clerk, api_client, given, status, field
):
    mandate_for(dd, 0)
    invoice_for(dd, 0, "10.00")
    body = {
        "legal_entity": "SEPA",
        "bank_account": dd["account"].pk,
        "collection_date": collect_on().isoformat(),
        "due_until": collect_on().isoformat(),
        **given,
    }
    response = api_client.post(COLLECTIONS, body, format="json")
    assert response.status_code == status
    assert field in response.json()["fields"], response.json()
    assert not DirectDebitCollection.objects.exists()


def test_collections_api_file_of_a_queued_run_is_a_conflict(
    dd, clerk, api_client, django_capture_on_commit_callbacks
):
    mandate_for(dd, 0)
    invoice_for(dd, 0, "10.00")
    with django_capture_on_commit_callbacks(execute=False):
        started = api_client.post(
            COLLECTIONS,
            {
                "legal_entity": "SEPA",
                "bank_account": dd["account"].pk,
                "collection_date": collect_on().isoformat(),
                "due_until": collect_on().isoformat(),
            },
            format="json",
        ).json()
    response = api_client.get(f"{COLLECTIONS}{started['id']}/file/")
    assert response.status_code == 409
    assert (
        response.json()["message"]
        == f"Collection run {started['id']} is queued: it has no file yet."
    )


# --- pages -----------------------------------------------------------------------------------


def test_pages_mandate_form_preview_run_and_download(
    dd, client, django_capture_on_commit_callbacks
):
    user = make_clerk("clerk", dd["entity"])
    client.force_login(user)
    form = {
        "customer": dd["customers"][0].pk,
        "reference": "MNDT ü",
        "iban": "DE89370400440532013000",
        "bic": "",
        "debtor_name": "",
        "signature_date": today().isoformat(),
        "scheme": "CORE",
        "recurrent": "1",
    }
    refused = client.post("/direct-debits/mandates/new/", form)
    assert refused.status_code == 400
    assert "outside the SEPA set" in refused.content.decode()
    assert 'value="MNDT ü"' in refused.content.decode()  # what was typed is kept
    saved = client.post("/direct-debits/mandates/new/", {**form, "reference": "MNDT-PAGE"})
    mandate = DirectDebitMandate.objects.get()
    assert saved.url == f"/direct-debits/mandates/{mandate.pk}/"
    assert "MNDT-PAGE" in client.get(saved.url).content.decode()
    invoice_for(dd, 0, "42.00")

    inputs = {
        "bank_account": dd["account"].pk,
        "collection_date": collect_on().isoformat(),
        "due_until": collect_on().isoformat(),
    }
    preview = client.post("/direct-debits/collections/new/", {**inputs, "preview": "1"})
    assert "1 payment for 1 debit: 42.00 EUR" in preview.content.decode()
    assert not DirectDebitCollection.objects.exists()
    with django_capture_on_commit_callbacks(execute=False):
        started = client.post("/direct-debits/collections/new/", {**inputs, "run": "1"})
    collection = DirectDebitCollection.objects.get()
    assert started.url == f"/direct-debits/collections/{collection.pk}/"
    job_run(job_id=collection.job_id)
    page = client.get(started.url).content.decode()
    assert "Download pain.008" in page and "MNDT-PAGE" in page
    file = client.get(f"{started.url}file/")
    assert file.status_code == 200 and b"<MndtId>MNDT-PAGE</MndtId>" in file.content
    assert client.get("/direct-debits/collections/").status_code == 200
    assert client.get("/direct-debits/mandates/?status=active").status_code == 200


def test_pages_collection_refuses_a_past_date_beside_the_field(dd, client):
    client.force_login(make_clerk("clerk", dd["entity"]))
    response = client.post(
        "/direct-debits/collections/new/",
        {
            "bank_account": dd["account"].pk,
            "collection_date": "2020-01-02",
            "due_until": "2020-01-02",
            "preview": "1",
        },
    )
    assert response.status_code == 400
    assert "The collection date 2020-01-02 is in the past" in response.content.decode()
