"""Jobs recover without anyone: real Celery workers (prefork, on Redis) are killed with SIGKILL
in the middle of a recurring-invoice job, the whole worker or only its pool process; beat's
reaper queues the silent job again and a worker completes it, every period invoiced and posted
once, every voucher balanced.

The workers are subprocesses on the test database (committed data: transaction=True), with a
short stale limit and a reaper every second, so a test takes well under a minute."""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count

from config.celery import app
from core.jobs import job_start
from core.models import Job, JobClaim
from entities.models import Customer, Party
from ledger.models import LedgerEntry
from ledger.selectors import ledger_integrity_problems
from receivables.models import (
    DocumentStatus,
    Invoice,
    RecurringInvoiceAssignment,
    RecurringInvoiceOccurrence,
)
from receivables.services import TemplateLineInput, recurring_template_save
from tests.factories.entities import LegalEntityFactory

pytestmark = pytest.mark.postgresql("worker processes share the test database, a server's")

ROOT = Path(__file__).resolve().parents[2]
STALE_AFTER = 4  # seconds without a heartbeat before the reaper queues a job again
ASSIGNMENTS = 120
PERIODS = 2  # January and February 2026, each invoice posted


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


class Worker:
    """`celery -A config worker -B` in its own process group, logging to a file."""

    def __init__(self, name: str) -> None:
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            prefix=f"worker-{name}-", suffix=".log", delete=False
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "JOB_STALE_AFTER_SECONDS": str(STALE_AFTER),
            "JOB_REAPER_INTERVAL_SECONDS": "1",
            "JOB_HEARTBEAT_ROWS": "5",
            "DB_CONN_MAX_AGE": "0",
            "PYTHONPATH": str(ROOT),
        }
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-B",
                "--pool=prefork",
                "--concurrency=1",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{name}-{uuid.uuid4().hex[:6]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: main process, pool, beat
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill_all(self) -> None:
        """The machine's view of a worker killed: every process of it, at once, SIGKILL."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.kill_all()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def _book():
    """FAB with ASSIGNMENTS customers, each assigned a monthly fee from January 2026, posted.
    Written in bulk: the job is under test, not the forms."""
    entity = LegalEntityFactory(code="FAB")
    template = recurring_template_save(
        legal_entity=entity,
        code="FEE",
        description="Monthly fee",
        lines=[TemplateLineInput(description="Fee", amount=Decimal("10.00"))],
        actor=None,
    )
    parties = Party.objects.bulk_create(
        Party(number=f"R{i:04d}", name=f"Customer {i}") for i in range(ASSIGNMENTS)
    )
    customers = Customer.objects.bulk_create(
        Customer(legal_entity=entity, account=f"R{i:04d}", party=party, currency="USD")
        for i, party in enumerate(parties)
    )
    RecurringInvoiceAssignment.objects.bulk_create(
        RecurringInvoiceAssignment(
            template=template,
            customer=customer,
            start_date=date(2026, 1, 1),
            occurrences=PERIODS,
            post=True,
        )
        for customer in customers
    )
    return entity


def _start(entity) -> Job:
    with transaction.atomic():  # committed: the worker gets the task after commit
        return job_start(
            kind="recurring_invoices",
            legal_entities=[entity],
            as_of=date(2026, 3, 1),
            actor=None,
        )


def _wait(job: Job, until, timeout: float, workers) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if until(job):
            return job
        time.sleep(0.1)
    logs = "\n".join(w.output() for w in workers)
    pytest.fail(f"job {job.pk} stuck: {job.state} {job.done}/{job.total} {job.history}\n{logs}")


def _midway(job: Job) -> bool:
    """A third of the invoices posted: the job is in the middle of its work."""
    posted = Invoice.objects.filter(status=DocumentStatus.POSTED).count()
    return job.state == "running" and posted >= ASSIGNMENTS * PERIODS // 3


def _runner_pid(job: Job) -> int:
    started = [e for e in job.history if e["event"] in ("started", "took_over")]
    return started[-1]["pid"]


def _assert_completed_once(job: Job, *, recovered_by: set[str]) -> None:
    assert (job.state, job.errors, job.done, job.total) == ("done", [], ASSIGNMENTS, ASSIGNMENTS)
    assert job.result["assignments"] == ASSIGNMENTS
    assert job.attempts >= 2
    events = [e["event"] for e in job.history]
    assert recovered_by & set(events), events  # no person acted: see the callers
    assert "retried" not in events, events
    assert events[-2:] == ["took_over", "done"], events
    # Every (assignment, period) invoiced once, posted once, with a balanced voucher.
    assert Invoice.objects.count() == ASSIGNMENTS * PERIODS
    assert RecurringInvoiceOccurrence.objects.count() == ASSIGNMENTS * PERIODS
    assert not (
        RecurringInvoiceOccurrence.objects.values("assignment_id", "period_date")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    assert not Invoice.objects.exclude(status=DocumentStatus.POSTED).exists()
    assert LedgerEntry.objects.values("voucher_id").distinct().count() == ASSIGNMENTS * PERIODS
    assert ledger_integrity_problems() == []
    assert not JobClaim.objects.exists()


def _forget_tasks(redis_url: str) -> None:
    """Nothing queued, nor held for a killed worker (kombu's ``unacked`` keys): a task of
    another run must not come back into this test, nor one of this test into another."""
    import redis

    app.control.purge()
    redis.Redis.from_url(redis_url).delete("unacked", "unacked_index", "unacked_mutex")


@pytest.fixture
def workers(redis_url):
    started: list[Worker] = []
    _forget_tasks(redis_url)
    yield started
    for worker in started:
        worker.stop()
    _forget_tasks(redis_url)


@pytest.mark.django_db(transaction=True)
def test_job_run_completes_by_itself_after_its_worker_is_killed(workers):
    entity = _book()
    first = Worker("first")
    workers.append(first)
    job = _start(entity)
    job = _wait(job, _midway, 40, workers)
    first.kill_all()
    killed_at = time.monotonic()
    job.refresh_from_db()
    assert job.state == "running"
    assert Invoice.objects.filter(status=DocumentStatus.POSTED).count() < ASSIGNMENTS * PERIODS
    # The task stays unacknowledged in Redis (visibility timeout: an hour); only the reaper of
    # the fresh worker's beat can bring the job back.
    fresh = Worker("fresh")
    workers.append(fresh)
    job = _wait(job, lambda j: j.state == "done", 50, workers)
    assert time.monotonic() - killed_at < 50
    _assert_completed_once(job, recovered_by={"requeued"})  # by the reaper


@pytest.mark.django_db(transaction=True)
def test_job_run_completes_by_itself_after_its_pool_process_is_killed(workers):
    entity = _book()
    worker = Worker("pool")
    workers.append(worker)
    job = _start(entity)
    job = _wait(job, _midway, 40, workers)
    runner = _runner_pid(job)
    assert runner != worker.pid
    os.kill(runner, signal.SIGKILL)  # as the OOM killer does; the main worker process lives
    job = _wait(job, lambda j: j.state == "done", 50, workers)
    assert _runner_pid(job) != runner
    assert worker.process.poll() is None
    # By the reaper, or by the task the broker got back when the pool process died, should
    # Celery notice the death (it may wait up to 10 s for a result) after the stale limit.
    _assert_completed_once(job, recovered_by={"requeued", "stale"})
