import pytest

from collections_app.models import AgingSnapshot, AgingSnapshotLine
from collections_app.services import aging_snapshot_job_run
from core.jobs import JobProgress, job_kinds, job_run, job_start
from core.models import Job

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def _start(book, actor, **parameters):
    return job_start(
        kind="aging_snapshot",
        legal_entities=[book["FAB"], book["FABE"]],
        as_of=AS_OF,
        actor=actor,
        parameters=parameters,
        enqueue=False,
    )


def test_aging_snapshot_job_registered(db):
    kind = job_kinds()["aging_snapshot"]
    assert kind.label == "Aging snapshot"


def test_aging_snapshot_job_run_records_progress_and_result(book, admin_user):
    job = job_run(job_id=_start(book, admin_user).pk)
    assert job.state == Job.State.DONE
    assert (job.done, job.total, job.percent) == (3, 3, 100)
    assert job.result == {
        "snapshots": 2,
        "customers": 3,
        "parties": 2,
        "period_set": "DEFAULT",
        "as_of": "2026-06-30",
    }
    snapshots = AgingSnapshot.objects.filter(job=job, is_complete=True)
    assert sorted(s.legal_entity.code if s.legal_entity else "parties" for s in snapshots) == [
        "FAB",
        "FABE",
        "parties",
    ]
    # A second run of the same date replaces the first one's snapshots.
    again = job_run(job_id=_start(book, admin_user).pk)
    assert again.state == Job.State.DONE
    assert AgingSnapshot.objects.count() == 3
    assert set(AgingSnapshot.objects.values_list("job", flat=True)) == {again.pk}
    assert AgingSnapshotLine.objects.count() == 5


def test_aging_snapshot_job_run_advances_per_chunk(book, admin_user):
    job = _start(book, admin_user)
    # Progress is written only while the job is running under the runner's attempt.
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING)
    job.state = Job.State.RUNNING
    aging_snapshot_job_run(job, JobProgress(job))
    job.refresh_from_db()
    assert (job.done, job.total) == (3, 3)


def test_aging_snapshot_job_run_unknown_period_set_fails(book, admin_user):
    job = job_run(job_id=_start(book, admin_user, period_set="NOPE").pk)
    assert job.state == Job.State.FAILED
    assert job.errors == ["Unknown aging period set 'NOPE'."]
    assert not AgingSnapshot.objects.exists()
