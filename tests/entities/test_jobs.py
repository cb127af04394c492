"""Jobs: a real Celery worker over Redis runs a job to the end with its progress recorded; the
scheduled entry skips an entity already being worked; a failed job records why and can be
retried; a dead worker's claim is taken over; the reaper queues silent jobs again, a runner
taken over writes nothing, heartbeats move within a chunk. (Real workers killed:
test_jobs_recovery.py.)"""

import os
import re
import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from core.errors import Conflict
from core.jobs import (
    JobAlreadyRunning,
    JobSuperseded,
    job_chunk,
    job_kind_register,
    job_retry,
    job_run,
    job_start,
    jobs_reap,
)
from core.models import AuditEntry, Job, JobClaim
from core.tasks import job_scheduled
from entities.models import Party
from receivables.models import Invoice
from receivables.services import (
    TemplateLineInput,
    recurring_assignment_save,
    recurring_template_save,
)
from tests.factories.entities import CustomerFactory, LegalEntityFactory


def _assignments(entity, count):
    template = recurring_template_save(
        legal_entity=entity,
        code="FEE",
        description="Fee",
        lines=[TemplateLineInput(description="Fee", amount=Decimal("10.00"))],
        actor=None,
    )
    for i in range(count):
        recurring_assignment_save(
            template=template,
            customer=CustomerFactory(legal_entity=entity, account=f"W{i}"),
            start_date=date(2026, 1, 1),
            occurrences=2,
            actor=None,
        )


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_job_and_records_its_progress(redis_url):
    assert app.conf.broker_url.startswith("redis://")
    entity = LegalEntityFactory(code="FAB")
    _assignments(entity, 5)
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        with transaction.atomic():
            job = job_start(
                kind="recurring_invoices",
                legal_entities=[entity],
                as_of=date(2026, 3, 1),
                actor=None,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.state in ("done", "failed"):
                break
            time.sleep(0.2)
    assert (job.state, job.done, job.total, job.percent) == ("done", 5, 5, 100)
    assert job.result == {"assignments": 5, "invoices": 10, "posted": 0, "skipped": 0}
    assert job.started_at is not None and job.finished_at >= job.started_at
    assert Invoice.objects.count() == 10
    assert not JobClaim.objects.exists()


@pytest.mark.django_db
def test_scheduled_run_covers_every_entity_and_skips_a_busy_one(caplog):
    fab, fabe = LegalEntityFactory(code="FAB"), LegalEntityFactory(code="FABE")
    _assignments(fab, 2)
    assert job_scheduled("recurring_invoices") == "done"
    job = Job.objects.get()
    assert set(job.legal_entities.values_list("code", flat=True)) == {"FAB", "FABE"}
    assert job.started_by is None and job.as_of == timezone.localdate()
    busy = job_start(
        kind="recurring_invoices",
        legal_entities=[fabe],
        as_of=date(2026, 3, 1),
        actor=None,
        enqueue=False,
    )
    assert job_scheduled("recurring_invoices") is None
    assert "already queued or running in FABE" in caplog.text
    assert Job.objects.count() == 2 and busy.state == "queued"


@pytest.mark.django_db
def test_a_failing_job_records_why_and_can_be_retried():
    entity = LegalEntityFactory(code="FAB")
    attempts = {"n": 0}

    def flaky(job, progress):
        attempts["n"] += 1
        progress.set_total(2)
        progress.advance()
        if attempts["n"] == 1:
            raise RuntimeError("disk full")
        progress.advance()
        return {"ok": True}

    job_kind_register(kind="test_flaky", label="Flaky", run=flaky)
    try:
        job = job_start(
            kind="test_flaky",
            legal_entities=[entity],
            as_of=date(2026, 3, 1),
            actor=None,
            enqueue=False,
        )
        job = job_run(job_id=job.pk)
        assert (job.state, job.done, job.errors) == ("failed", 1, ["RuntimeError: disk full"])
        assert not job.claims.exists()
        job = job_retry(job=job, actor=None)
        job = job_run(job_id=job.pk)
        assert (job.state, job.done, job.total, job.result) == ("done", 2, 2, {"ok": True})
        with pytest.raises(Conflict, match="is done: it cannot be retried"):
            job_retry(job=job, actor=None)
        assert job_run(job_id=job.pk).state == "done"  # a duplicate delivery changes nothing
    finally:
        from core import jobs

        jobs._KINDS.pop("test_flaky", None)  # the registry is module state


@pytest.mark.django_db
def test_a_dead_workers_claim_is_taken_over_after_the_stale_delay(settings):
    entity = LegalEntityFactory(code="FAB")
    dead = job_start(
        kind="recurring_invoices",
        legal_entities=[entity],
        as_of=date(2026, 3, 1),
        actor=None,
        enqueue=False,
    )
    Job.objects.filter(pk=dead.pk).update(
        state="running", heartbeat_at=timezone.now() - timedelta(seconds=120)
    )
    settings.JOB_STALE_AFTER_SECONDS = 600
    with pytest.raises(JobAlreadyRunning):
        job_start(
            kind="recurring_invoices",
            legal_entities=[entity],
            as_of=date(2026, 3, 1),
            actor=None,
            enqueue=False,
        )
    settings.JOB_STALE_AFTER_SECONDS = 60
    fresh = job_start(
        kind="recurring_invoices",
        legal_entities=[entity],
        as_of=date(2026, 3, 1),
        actor=None,
        enqueue=False,
    )
    dead.refresh_from_db()
    assert dead.state == "failed" and dead.errors[0].startswith("Abandoned: no progress since")
    assert list(JobClaim.objects.values_list("job_id", flat=True)) == [fresh.pk]


@pytest.fixture
def job_kind():
    """Register a job kind for one test (the registry is module state)."""
    from core import jobs

    kinds = []

    def register(kind, run):
        job_kind_register(kind=kind, label=kind.title(), run=run)
        kinds.append(kind)

    yield register
    for kind in kinds:
        jobs._KINDS.pop(kind, None)


def _started(kind, entity):
    return job_start(
        kind=kind, legal_entities=[entity], as_of=date(2026, 3, 1), actor=None, enqueue=False
    )


def _silent(job, seconds):
    """The job's last heartbeat ``seconds`` ago."""
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds))


@pytest.mark.postgresql(
    "a heartbeat seen by others before the chunk commits needs a second connection"
)
@pytest.mark.django_db(transaction=True)
def test_job_run_a_runner_taken_over_writes_nothing(job_kind, settings, monkeypatch):
    # The test plays the worker.
    monkeypatch.setattr("core.jobs.lifecycle._enqueue", lambda job: None)
    settings.JOB_STALE_AFTER_SECONDS = 60
    entity = LegalEntityFactory(code="FAB")
    seen = {}

    def run(job, progress):
        progress.set_total(3)
        for i in range(3):
            if progress.attempt == 1 and i == 1:
                # Attempt 1 stalls here long enough to look dead: the reaper queues the job
                # again and attempt 2 does all of it meanwhile.
                _silent(job, 61)
                assert jobs_reap() == [job.pk]
                seen["second"] = job_run(job_id=job.pk, worker="second")
                seen["row"] = Job.objects.values().get(pk=job.pk)
                # Attempt 1 wakes up: its chunk is rolled back, and nothing else it writes lands.
                with (
                    pytest.raises(JobSuperseded, match="attempt 1 is no longer the job's"),
                    job_chunk(progress),
                ):
                    Party.objects.create(number=f"A{progress.attempt}-{i}", name="Late")
                for write in (
                    lambda: progress.set_total(9),
                    lambda: progress.advance(),
                    lambda: progress.error("Late error"),
                    progress.heartbeat,
                ):
                    with pytest.raises(JobSuperseded):
                        write()
                with transaction.atomic(), pytest.raises(JobSuperseded):
                    progress.heartbeat()  # from within a chunk: through its own connection
                return {"attempt": 1}  # and its finish records nothing either
            with job_chunk(progress):
                Party.objects.create(number=f"A{progress.attempt}-{i}", name="Chunk")
            progress.advance()
        return {"attempt": progress.attempt}

    job_kind("test_takeover", run)
    job = job_run(job_id=_started("test_takeover", entity).pk, worker="first")
    assert seen["second"].state == "done"
    assert Job.objects.values().get(pk=job.pk) == seen["row"]  # unchanged by attempt 1
    assert (job.state, job.done, job.total, job.errors) == ("done", 3, 3, [])
    assert (job.attempts, job.result) == (2, {"attempt": 2})
    numbers = sorted(Party.objects.values_list("number", flat=True))
    assert numbers == ["A1-0", "A2-0", "A2-1", "A2-2"]
    assert [(e["attempt"], e["event"]) for e in job.history] == [
        (1, "started"),
        (1, "requeued"),
        (2, "took_over"),
        (2, "done"),
    ]
    assert job.history[2]["message"].startswith("Attempt 2 took over from attempt 1 on second")
    assert not JobClaim.objects.exists()


class _Killed(BaseException):
    """Stands for the worker process dying: no handler of the job runs."""


@pytest.mark.django_db
def test_job_run_done_after_a_takeover_keeps_the_history_not_the_errors(
    job_kind, settings, client, admin_user
):
    settings.JOB_STALE_AFTER_SECONDS = 60
    entity = LegalEntityFactory(code="FAB")

    def run(job, progress):
        progress.set_total(2)
        if progress.attempt == 1:
            progress.error("Customer 7: could not be read.")
            progress.advance()
            raise _Killed
        progress.advance(2)
        return {"ok": True}

    job_kind("test_dies", run)
    job = _started("test_dies", entity)
    with pytest.raises(_Killed):
        job_run(job_id=job.pk, worker="first")
    assert jobs_reap() == []  # still fresh
    _silent(job, 75)
    assert jobs_reap() == [job.pk]
    job.refresh_from_db()
    assert (job.state, job.errors) == ("queued", ["Customer 7: could not be read."])
    job = job_run(job_id=job.pk, worker="second")
    assert (job.state, job.errors, job.done, job.total) == ("done", [], 2, 2)
    assert (job.result, job.attempts) == ({"ok": True}, 2)
    assert [(e["attempt"], e["event"]) for e in job.history] == [
        (1, "started"),
        (1, "requeued"),
        (1, "errors"),
        (2, "took_over"),
        (2, "done"),
    ]
    assert re.fullmatch(
        r"Attempt 1 stale: no heartbeat for 7[56] s; queued again by the reaper\.",
        job.history[1]["message"],
    )
    assert job.history[2]["errors"] == ["Customer 7: could not be read."]
    assert job.history[3]["worker"] == "second" and job.history[3]["pid"] == os.getpid()
    # The API and the job's page show the history; the page shows no error.
    client.force_login(admin_user)
    assert client.get(f"/api/v1/jobs/{job.pk}/").json()["history"] == job.history
    page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert "Attempt 2 took over from attempt 1 on second" in page
    assert "<h2>Errors</h2>" not in page and "Customer 7: could not be read." in page


@pytest.mark.django_db
def test_jobs_reap_queues_again_only_silent_jobs(settings, django_capture_on_commit_callbacks):
    settings.JOB_STALE_AFTER_SECONDS = 60
    long_ago = timezone.now() - timedelta(seconds=90)
    clock = time.monotonic()
    jobs = {}
    for code, fields in {
        "NEVER": {"created_at": long_ago},
        "SILENT": {"state": "running", "attempts": 1, "started_at": long_ago},
        "ALIVE": {"state": "running", "attempts": 1, "started_at": long_ago},
        "DONE": {"state": "done", "created_at": long_ago},
        "FAILED": {"state": "failed", "created_at": long_ago},
    }.items():
        jobs[code] = _started("recurring_invoices", LegalEntityFactory(code=code))
        Job.objects.filter(pk=jobs[code].pk).update(**fields)
    _silent(jobs["SILENT"], 90)
    _silent(jobs["ALIVE"], 10)
    with django_capture_on_commit_callbacks() as sent:
        assert jobs_reap() == [jobs["NEVER"].pk, jobs["SILENT"].pk]
    assert len(sent) == 2  # each task sent again once the requeue commits
    states = dict(Job.objects.values_list("legal_entities__code", "state"))
    assert states == {
        "NEVER": "queued",
        "SILENT": "queued",
        "ALIVE": "running",
        "DONE": "done",
        "FAILED": "failed",
    }
    never = Job.objects.get(pk=jobs["NEVER"].pk)
    queued = re.fullmatch(
        r"Queued (\d+) s without a worker; queued again by the reaper\.",
        never.history[-1]["message"],
    )
    # 90 s, and the seconds the test itself took on a busy machine.
    assert queued and 90 <= int(queued[1]) <= 91 + (time.monotonic() - clock)
    assert AuditEntry.objects.filter(action="job.requeued").count() == 2
    # Their heartbeat is fresh now: not queued again before a worker had the time to take them.
    assert jobs_reap() == []
    never = job_run(job_id=never.pk, worker="w")
    assert [(e["attempt"], e["event"]) for e in never.history] == [
        (0, "requeued"),
        (1, "started"),
        (1, "done"),
    ]


@pytest.mark.postgresql(
    "a heartbeat seen by others before the chunk commits needs a second connection"
)
@pytest.mark.django_db(transaction=True)
def test_job_progress_heartbeat_advances_within_a_chunk(settings, monkeypatch):
    """Every JOB_HEARTBEAT_ROWS rows of a chunk the heartbeat moves, seen by other connections
    while the chunk's transaction is still open (its invoices not yet visible)."""
    from core.jobs import JobProgress

    settings.JOB_HEARTBEAT_ROWS = 10
    entity = LegalEntityFactory(code="FAB")
    _assignments(entity, 35)  # one chunk of 35 assignments
    seen = []

    def from_another_connection(job_id):
        def read():
            try:
                seen.append(
                    (
                        Job.objects.values_list("heartbeat_at", flat=True).get(pk=job_id),
                        Invoice.objects.count(),
                    )
                )
            finally:
                connection.close()

        thread = threading.Thread(target=read)
        thread.start()
        thread.join()

    original = JobProgress.heartbeat

    def watched(self):
        original(self)
        from_another_connection(self.job.pk)

    monkeypatch.setattr(JobProgress, "heartbeat", watched)
    job = _started("recurring_invoices", entity)
    job = job_run(job_id=job.pk)
    assert (job.state, job.result["invoices"]) == ("done", 70)
    assert len(seen) == 3  # after rows 10, 20 and 30 of the chunk
    assert all(invoices == 0 for _, invoices in seen)  # the chunk had not committed
    beats = [heartbeat for heartbeat, _ in seen]
    assert job.started_at < beats[0] < beats[1] < beats[2] < job.finished_at


def test_celery_settings_give_back_the_task_of_a_dead_worker(settings):
    from core.tasks import job_run as job_run_task

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True  # a killed pool process: message requeued
    assert conf.worker_prefetch_multiplier == 1
    assert job_run_task.acks_late and job_run_task.reject_on_worker_lost
    assert conf.broker_transport_options["visibility_timeout"] == settings.CELERY_VISIBILITY_TIMEOUT
    # No chunk goes longer than the stale limit without a heartbeat; the reaper brings a dead
    # job back before Redis would deliver its task again.
    assert (
        settings.CELERY_VISIBILITY_TIMEOUT
        > settings.JOB_STALE_AFTER_SECONDS
        > settings.JOB_REAPER_INTERVAL_SECONDS
    )
    entry = conf.beat_schedule["jobs-reap"]
    assert entry["task"] == "entities.jobs_reap"
    assert entry["schedule"] == settings.JOB_REAPER_INTERVAL_SECONDS == 60


def test_job_recovery_settings_checked(settings):
    from django.core.checks import run_checks

    def problems():
        return [m.id for m in run_checks(tags=["jobs"])]

    assert problems() == []
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
    settings.JOB_STALE_AFTER_SECONDS = 900
    assert problems() == ["entities.W001"]
    settings.JOB_REAPER_INTERVAL_SECONDS = 900
    settings.JOB_HEARTBEAT_ROWS = 0
    assert problems() == ["entities.E001", "entities.E002", "entities.W001"]


@pytest.mark.django_db(transaction=True)
def test_job_run_gives_up_after_too_many_takeovers_until_retried(job_kind, settings, monkeypatch):
    """A job whose worker dies every time (each attempt taken over by the next) is failed once
    the takeovers pass JOB_MAX_TAKEOVERS, instead of being queued forever; Retry starts again."""
    monkeypatch.setattr("core.jobs.lifecycle._enqueue", lambda job: None)
    settings.JOB_STALE_AFTER_SECONDS = 60
    settings.JOB_MAX_TAKEOVERS = 2
    entity = LegalEntityFactory(code="FAB")
    runs = []

    def run(job, progress):
        runs.append(progress.attempt)
        if len(runs) <= 3:
            # The worker "dies": the attempt goes silent and is taken over by the next one.
            _silent(job, 61)
            job_run(job_id=job.pk)
            raise JobSuperseded(job.pk, progress.attempt)
        return {"attempt": progress.attempt}

    job_kind("test_dies", run)
    job = job_run(job_id=_started("test_dies", entity).pk)
    job.refresh_from_db()
    assert runs == [1, 2, 3]  # the fourth attempt, a third takeover in a row, never ran
    assert job.state == "failed"
    assert job.errors == [
        "Given up: its worker died 3 times in a row (each attempt was taken over); retry it "
        "once the cause is found."
    ]
    assert not JobClaim.objects.filter(job=job).exists()
    job = job_retry(job=job, actor=None)
    job = job_run(job_id=job.pk)
    assert (job.state, job.result) == ("done", {"attempt": 5})
