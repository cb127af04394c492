import pytest

from collections_app.models import AgingPeriodSet
from collections_app.services import aging_snapshot_create
from tests.conftest import make_clerk

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def _bucket_form(rows, *, code="QUARTER", is_default=False):
    data = {
        "code": code,
        "name": "Quarters",
        "buckets-TOTAL_FORMS": str(len(rows)),
        "buckets-INITIAL_FORMS": "0",
        "buckets-MIN_NUM_FORMS": "0",
        "buckets-MAX_NUM_FORMS": "1000",
    }
    if is_default:
        data["is_default"] = "on"
    for i, (label, low, high) in enumerate(rows):
        data[f"buckets-{i}-sequence"] = str(i + 1)
        data[f"buckets-{i}-label"] = label
        data[f"buckets-{i}-from_days"] = "" if low is None else str(low)
        data[f"buckets-{i}-to_days"] = "" if high is None else str(high)
    return data


def test_admin_period_set_refuses_overlapping_buckets(client, admin_user):
    client.force_login(admin_user)
    data = _bucket_form([("Current", None, 0), ("1–90", 1, 90), ("Over 60", 61, None)])
    response = client.post("/admin/collections_app/agingperiodset/add/", data)
    assert response.status_code == 200
    assert "overlap: days 61 to 90 are in both" in response.content.decode()
    assert not AgingPeriodSet.objects.filter(code="QUARTER").exists()


def test_admin_period_set_saved_through_the_service(client, admin_user):
    client.force_login(admin_user)
    data = _bucket_form([("Current", None, 0), ("1–90", 1, 90), ("Over 90", 91, None)])
    response = client.post("/admin/collections_app/agingperiodset/add/", data)
    assert response.status_code == 302
    saved = AgingPeriodSet.objects.get(code="QUARTER")
    assert [(b.sequence, b.label) for b in saved.buckets.all()] == [
        (1, "Current"),
        (2, "1–90"),
        (3, "Over 90"),
    ]
    assert client.get("/admin/collections_app/agingsnapshot/").status_code == 200


def test_aging_page_lists_the_current_entity(client, book):
    aging_snapshot_create(legal_entity=book["FAB"], as_of=AS_OF)
    aging_snapshot_create(legal_entity=book["FABE"], as_of=AS_OF)
    client.force_login(make_clerk("fab-clerk", book["FAB"]))
    response = client.get("/collections/aging/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Aging · FAB" in page and 'data-customer="4000"' in page
    assert "1,150.00" in page and "999.00" not in page
    response = client.get("/collections/aging/?as_of=soon")
    assert "Enter a date as YYYY-MM-DD" in response.content.decode()


def test_admin_default_period_set_keeps_its_mark(client, admin_user):
    client.force_login(admin_user)
    default = AgingPeriodSet.objects.get(code="DEFAULT")
    data = _bucket_form(
        [("Current", None, 0), ("1–30", 1, 30), ("Over 30", 31, None)], code="DEFAULT"
    )
    response = client.post(f"/admin/collections_app/agingperiodset/{default.pk}/change/", data)
    assert response.status_code == 200
    assert "One aging period set is always the default" in response.content.decode()
    data["is_default"] = "on"
    response = client.post(f"/admin/collections_app/agingperiodset/{default.pk}/change/", data)
    assert response.status_code == 302
    assert [b.label for b in default.buckets.all()] == ["Current", "1–30", "Over 30"]


def test_job_page_links_to_the_aging_it_made(client, book, admin_user):
    from core.jobs import job_run, job_start

    job = job_start(
        kind="aging_snapshot",
        legal_entities=[book["FAB"]],
        as_of=AS_OF,
        actor=admin_user,
        enqueue=False,
    )
    job_run(job_id=job.pk)
    client.force_login(admin_user)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'href="/collections/aging/?as_of=2026-06-30"' in page
    aging = client.get("/collections/aging/?as_of=2026-06-30").content.decode()
    assert f'href="/jobs/{job.pk}/"' in aging


def test_the_chart_draws_credits_left_of_the_zero_line_in_colours_told_apart():
    from decimal import Decimal as D

    from collections_app.views import CHART_BAR_WIDTH, CHART_COLOURS, CHART_LABEL_WIDTH, _chart

    totals = {
        "per_entity": [
            {"legal_entity__code": "FAB", "buckets": [D("300"), D("-100"), D("100")]},
            {"legal_entity__code": "FABE", "buckets": [D("0"), D("0"), D("-100")]},
        ]
    }
    chart = _chart(totals, ["Current", "1–30", "31–60"])
    # 400 owed at most, 100 in credit at most: 880 units for 500, the zero line after 176.
    assert chart["zero"] == CHART_LABEL_WIDTH + 176 and chart["credits"]
    fab, fabe = chart["bars"]
    assert [(s["x"], s["width"], s["credit"]) for s in fab["segments"]] == [
        (256, 528, False),
        (80, 176, True),
        (784, 176, False),
    ]
    assert [(s["x"], s["width"], s["credit"]) for s in fabe["segments"]][2] == (80, 176, True)
    assert max(s["x"] + s["width"] for s in fab["segments"]) <= CHART_LABEL_WIDTH + CHART_BAR_WIDTH
    assert len(set(CHART_COLOURS)) == len(CHART_COLOURS)
    assert "#f9a825" not in CHART_COLOURS  # amber beside orange was hard to tell apart


@pytest.mark.parametrize("ordering", ["", "-balance", "customer"])
def test_collections_page_by_party_before_any_aging_snapshot(client, admin_user, ordering):
    """Before the first aging job the party view lists no party, whatever the order or the
    currency asked; it never fails."""
    client.force_login(admin_user)
    response = client.get(f"/collections/?view=party&ordering={ordering}&currency=EUR")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
