"""Jobs: a real Celery worker over Redis runs a job to the end with its progress recorded; the
scheduled entry skips an entity already being worked; a failed job records why and can be
retried; a dead worker's claim is taken over."""

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction
from django.utils import timezone

from config.celery import app
from entities.exceptions import Conflict
from entities.models import Job, JobClaim
from entities.services.jobs import (
    JobAlreadyRunning,
    job_kind_register,
    job_retry,
    job_run,
    job_start,
)
from entities.tasks import job_scheduled
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
        from entities.services import jobs

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
