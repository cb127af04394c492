from datetime import date

import pytest

from collections_app.selectors import aging_period_set_get
from collections_app.services import aging_party_snapshot_create, aging_snapshot_create
from core.models import Job
from tests.conftest import make_clerk

from .conftest import AS_OF, LABELS

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshots(book):
    aging_snapshot_create(legal_entity=book["FAB"], as_of=AS_OF)
    aging_snapshot_create(legal_entity=book["FABE"], as_of=AS_OF)
    aging_party_snapshot_create(period_set=aging_period_set_get(), as_of=AS_OF)
    return book


def _amounts(row) -> list[str]:
    return [b["amount"] for b in row["buckets"]]


def _row(rows, **match):
    (row,) = [r for r in rows if all(r[k] == v for k, v in match.items())]
    return row


def test_aging_period_sets_list_with_buckets(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    response = api_client.get("/api/v1/aging-period-sets/DEFAULT/")
    assert response.status_code == 200
    assert response.json() == {
        "code": "DEFAULT",
        "name": "Default aging periods",
        "is_default": True,
        "buckets": [
            {"sequence": 1, "label": "Current", "from_days": None, "to_days": 0},
            {"sequence": 2, "label": "1–30", "from_days": 1, "to_days": 30},
            {"sequence": 3, "label": "31–60", "from_days": 31, "to_days": 60},
            {"sequence": 4, "label": "61–90", "from_days": 61, "to_days": 90},
            {"sequence": 5, "label": "Over 90", "from_days": 91, "to_days": None},
        ],
    }


def test_aging_customer_level(api_client, admin_user, snapshots, django_assert_max_num_queries):
    api_client.force_authenticate(admin_user)
    with django_assert_max_num_queries(6):
        response = api_client.get("/api/v1/aging/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    row = _row(body["results"], legal_entity="FAB", customer="4000")
    assert row["level"] == "customer" and row["as_of"] == "2026-06-30"
    assert (row["party"], row["currency"]) == ("4050", "USD")
    assert (row["balance"], row["not_due"], row["overdue"]) == ("1150.00", "100.00", "1050.00")
    assert [b["label"] for b in row["buckets"]] == LABELS
    assert _amounts(row) == ["100.00", "50.00", "300.00", "300.00", "400.00"]
    fabe = _row(body["results"], legal_entity="FABE")
    assert _amounts(fabe) == ["1000.00", "-250.00", "0.00", "0.00", "80.00"]


def test_aging_filters_and_ordering(api_client, admin_user, snapshots):
    api_client.force_authenticate(admin_user)
    rows = api_client.get("/api/v1/aging/?legal_entity=FAB&ordering=-overdue").json()["results"]
    assert [(r["customer"], r["overdue"]) for r in rows] == [("4000", "1050.00"), ("5000", "50.00")]
    rows = api_client.get("/api/v1/aging/?party=5000").json()["results"]
    assert [(r["legal_entity"], r["customer"]) for r in rows] == [("FAB", "5000")]
    rows = api_client.get("/api/v1/aging/?as_of=2026-05-31").json()["results"]
    assert rows == []


def test_aging_party_level(api_client, admin_user, snapshots, django_assert_max_num_queries):
    api_client.force_authenticate(admin_user)
    with django_assert_max_num_queries(7):
        response = api_client.get("/api/v1/aging/?level=party")
    rows = response.json()["results"]
    assert [(r["party"], r["level"], r["legal_entity"], r["customer"]) for r in rows] == [
        ("4050", "party", None, None),
        ("5000", "party", None, None),
    ]
    assert (rows[0]["balance"], rows[0]["not_due"], rows[0]["overdue"]) == (
        "1980.00",
        "1100.00",
        "880.00",
    )
    assert _amounts(rows[0]) == ["1100.00", "-200.00", "300.00", "300.00", "480.00"]


def test_aging_user_sees_only_granted_entities(api_client, snapshots):
    clerk = make_clerk("fab-clerk", snapshots["FAB"])
    api_client.force_authenticate(clerk)
    rows = api_client.get("/api/v1/aging/").json()["results"]
    assert {r["legal_entity"] for r in rows} == {"FAB"}
    assert api_client.get("/api/v1/aging/?legal_entity=FABE").json()["results"] == []
    # At party level, the stored line sums FABE too: the clerk gets the sum of FAB only.
    rows = api_client.get("/api/v1/aging/?level=party").json()["results"]
    northwind = _row(rows, party="4050")
    assert northwind["balance"] == "1150.00"
    assert _amounts(northwind) == ["100.00", "50.00", "300.00", "300.00", "400.00"]
    snapshots_seen = api_client.get("/api/v1/aging-snapshots/").json()["results"]
    assert [(s["level"], s["legal_entity"]) for s in snapshots_seen] == [("customer", "FAB")]


def test_aging_snapshots_list_and_filters(api_client, admin_user, snapshots):
    api_client.force_authenticate(admin_user)
    body = api_client.get("/api/v1/aging-snapshots/?legal_entity=FABE").json()
    (snapshot,) = body["results"]
    assert snapshot["as_of"] == "2026-06-30" and snapshot["period_set"] == "DEFAULT"
    assert snapshot["line_count"] == 1
    assert [b["label"] for b in snapshot["buckets"]] == LABELS
    (party,) = api_client.get("/api/v1/aging-snapshots/?level=party").json()["results"]
    assert party["legal_entities"] == ["FAB", "FABE"] and party["legal_entity"] is None
    detail = api_client.get(f"/api/v1/aging-snapshots/{party['id']}/")
    assert detail.status_code == 200


def test_aging_bad_query_is_a_400(api_client, admin_user, snapshots):
    api_client.force_authenticate(admin_user)
    response = api_client.get("/api/v1/aging/?legal_entity=NOPE&as_of=yesterday")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"legal_entity", "as_of"}
    response = api_client.get("/api/v1/aging/?period_set=NOPE")
    assert response.status_code == 400
    assert response.json()["message"] == "Unknown aging period set 'NOPE'."


def test_aging_requires_authentication(api_client, snapshots):
    assert api_client.get("/api/v1/aging/").status_code in (401, 403)


def test_aging_snapshot_started_through_jobs_api(api_client, book, monkeypatch):
    from core import jobs

    monkeypatch.setattr("core.jobs.lifecycle._enqueue", lambda job: None)
    clerk = make_clerk("fab-clerk", book["FAB"])
    api_client.force_authenticate(clerk)
    response = api_client.post(
        "/api/v1/jobs/",
        {"kind": "aging_snapshot", "legal_entities": ["FAB"], "as_of": "2026-06-30"},
        format="json",
    )
    assert response.status_code == 202, response.json()
    assert response.json()["label"] == "Aging snapshot"
    refused = api_client.post(
        "/api/v1/jobs/",
        {"kind": "aging_snapshot", "legal_entities": ["FABE"], "as_of": "2026-06-30"},
        format="json",
    )
    assert refused.status_code == 403
    job = jobs.job_run(job_id=response.json()["id"])
    assert job.state == Job.State.DONE
    rows = api_client.get("/api/v1/aging/?as_of=2026-06-30").json()["results"]
    assert {(r["legal_entity"], r["customer"]) for r in rows} == {("FAB", "4000"), ("FAB", "5000")}
    assert date.fromisoformat(rows[0]["as_of"]) == AS_OF
