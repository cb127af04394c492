"""The job page lists the aging snapshots an aging job made."""

import pytest

from core.jobs import job_run, job_start
from tests.conftest import make_clerk

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def _snapshot_link(code: str, customers: str) -> str:
    return (
        f'<li>Aging snapshot <a href="/collections/aging/?as_of=2026-06-30&amp;period_set=DEFAULT">'
        f"{code} as of 2026-06-30</a> · DEFAULT · {customers}</li>"
    )


def test_aging_job_page_links_to_the_snapshots_it_made(client, book, admin_user):
    job = job_start(
        kind="aging_snapshot",
        legal_entities=[book["FAB"], book["FABE"]],
        as_of=AS_OF,
        actor=admin_user,
        enqueue=False,
    )
    job_run(job_id=job.pk)
    client.force_login(admin_user)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert _snapshot_link("FAB", "2 customers") in html
    assert _snapshot_link("FABE", "1 customer") in html
    # Nor the job nor what it made is shown to a user without one of its entities.
    client.force_login(make_clerk("clerk", book["FAB"]))
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
