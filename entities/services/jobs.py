"""Long jobs: start, run with progress, retry.

A job kind (recurring invoices, interest notes, aging snapshots) is registered by the app that
runs it with a function ``run(job, progress) -> dict``. That function does its work in chunks,
each chunk in its own transaction and safe to redo (idempotent by database constraints), and
reports progress after each chunk, so a browser or API client can follow it and a job killed
midway completes without duplicates when it runs again.

While a job is queued or running it holds a claim per legal entity (``JobClaim``): a second job
of the same kind for the same entity is refused with a conflict. A job whose worker died stops
sending heartbeats; after ``JOB_STALE_AFTER_SECONDS`` its claims may be taken over.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..exceptions import Conflict, InvalidInput
from ..models import Job, JobClaim, LegalEntity
from . import Actor, audit_record, ensure_can_act

logger = logging.getLogger(__name__)

# The one map of allowed state changes of a job.
TRANSITIONS = {
    Job.State.QUEUED: {Job.State.RUNNING, Job.State.FAILED},
    Job.State.RUNNING: {Job.State.RUNNING, Job.State.DONE, Job.State.FAILED},
    Job.State.DONE: set(),
    Job.State.FAILED: {Job.State.QUEUED},
}


class JobAlreadyRunning(Conflict):
    code = "job_already_running"


class JobProgress:
    """What a running job reports: the total, items done, errors of single items."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def set_total(self, total: int) -> None:
        self.job.total = total
        self.job.done = 0
        Job.objects.filter(pk=self.job.pk).update(total=total, done=0, heartbeat_at=timezone.now())

    def advance(self, count: int = 1) -> None:
        self.job.done += count
        Job.objects.filter(pk=self.job.pk).update(
            done=F("done") + count, heartbeat_at=timezone.now()
        )

    def error(self, message: str) -> None:
        """An item that could not be done (the job goes on with the others)."""
        self.job.errors = [*self.job.errors, message][-200:]
        Job.objects.filter(pk=self.job.pk).update(errors=self.job.errors)


@dataclass(frozen=True)
class JobKind:
    kind: str
    label: str
    run: Callable[[Job, JobProgress], dict[str, Any]]
    results_url: Callable[[Job], str] | None = None  # where the browser shows what it made
    days_ahead: int = 0  # how far past today its as-of date may be


_KINDS: dict[str, JobKind] = {}


def job_kind_register(
    *,
    kind: str,
    label: str,
    run: Callable[[Job, JobProgress], dict],
    results_url: Callable[[Job], str] | None = None,
    days_ahead: int = 0,
) -> None:
    _KINDS[kind] = JobKind(
        kind=kind, label=label, run=run, results_url=results_url, days_ahead=days_ahead
    )


def job_kinds() -> dict[str, JobKind]:
    return dict(_KINDS)


def _stale_before():
    return timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)


def _release_stale_claims(kind: str, entity_ids: Iterable[int]) -> None:
    """Fail the jobs holding these claims whose worker stopped reporting."""
    stale_before = _stale_before()
    claims = JobClaim.objects.filter(
        kind=kind, legal_entity_id__in=list(entity_ids)
    ).select_related("job")
    for claim in claims:
        job = claim.job
        last_sign = job.heartbeat_at or job.started_at or job.created_at
        if last_sign < stale_before:
            logger.warning("Job %s abandoned: no progress since %s", job.pk, last_sign)
            Job.objects.filter(pk=job.pk, state__in=[Job.State.QUEUED, Job.State.RUNNING]).update(
                state=Job.State.FAILED,
                finished_at=timezone.now(),
                errors=[*job.errors, f"Abandoned: no progress since {last_sign:%Y-%m-%d %H:%M}."],
            )
            JobClaim.objects.filter(job=job).delete()


def _claim(job: Job, entities: list[LegalEntity]) -> None:
    _release_stale_claims(job.kind, [e.pk for e in entities])
    try:
        with transaction.atomic():
            JobClaim.objects.bulk_create(
                JobClaim(job=job, kind=job.kind, legal_entity=e) for e in entities
            )
    except IntegrityError:
        holder = (
            JobClaim.objects.filter(kind=job.kind, legal_entity__in=entities)
            .exclude(job=job)
            .select_related("legal_entity")
            .first()
        )
        where = f" in {holder.legal_entity.code} (job {holder.job_id})" if holder else ""
        raise JobAlreadyRunning(
            f"A {_KINDS[job.kind].label.lower()} job is already queued or running{where}.",
            field="legal_entities",
            extra={"job": holder.job_id if holder else None},
        ) from None


def _enqueue(job: Job) -> None:
    from ..tasks import job_run as job_run_task

    transaction.on_commit(lambda: job_run_task.delay(job_id=job.pk))


@transaction.atomic
def job_start(
    *,
    kind: str,
    legal_entities: list[LegalEntity],
    as_of: date,
    actor: Actor,
    parameters: dict[str, Any] | None = None,
    enqueue: bool = True,
) -> Job:
    """Queue a job for ``legal_entities`` as of a date; the worker runs it after commit."""
    if kind not in _KINDS:
        raise InvalidInput(
            f"Unknown job kind {kind!r}: use one of {', '.join(sorted(_KINDS))}.", field="kind"
        )
    if not legal_entities:
        raise InvalidInput("Choose at least one legal entity.", field="legal_entities")
    for entity in legal_entities:
        ensure_can_act(actor, entity, field="legal_entities")
    # A date in the future would charge or bill periods that have not come (and, charged
    # once, are never charged again).
    latest = timezone.localdate() + timedelta(days=_KINDS[kind].days_ahead)
    if as_of > latest:
        raise InvalidInput(
            f"{_KINDS[kind].label} run as of {latest} at the latest, not {as_of}.", field="as_of"
        )
    job = Job.objects.create(
        kind=kind,
        as_of=as_of,
        parameters=parameters or {},
        started_by=actor if actor is not None and actor.is_authenticated else None,
    )
    job.legal_entities.set(legal_entities)
    _claim(job, legal_entities)
    audit_record(
        actor=actor,
        action="job.started",
        obj=job,
        changes={"state": (None, Job.State.QUEUED)},
    )
    if enqueue:
        _enqueue(job)
    return job


@transaction.atomic
def job_retry(*, job: Job, actor: Actor) -> Job:
    """Queue a failed job again; what it already did is not done twice."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    entities = list(job.legal_entities.all())
    for entity in entities:
        ensure_can_act(actor, entity, field="legal_entities")
    if Job.State.QUEUED not in TRANSITIONS[job.state]:
        raise Conflict(f"Job {job.pk} is {job.get_state_display().lower()}: it cannot be retried.")
    _claim(job, entities)
    # A fresh heartbeat: the queued retry must not look abandoned before a worker takes it.
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.QUEUED, finished_at=None, heartbeat_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action="job.retried",
        obj=job,
        changes={"state": (job.state, Job.State.QUEUED)},
    )
    job.state = Job.State.QUEUED
    _enqueue(job)
    return job


def _take(job_id: int) -> Job | None:
    """Mark the job running for this worker, or None when another live worker has it."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state in (Job.State.DONE, Job.State.FAILED):
            return None
        last_sign = job.heartbeat_at or job.started_at
        if job.state == Job.State.RUNNING and last_sign and last_sign >= _stale_before():
            return None  # a live worker is on it (a duplicate delivery of the task)
        now = timezone.now()
        job.state = Job.State.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.save(update_fields=["state", "attempts", "started_at", "heartbeat_at"])
        return job


def _finish(job: Job, state: str, *, result: dict | None = None, error: str | None = None):
    with transaction.atomic():
        fields = {"state": state, "finished_at": timezone.now()}
        if result is not None:
            fields["result"] = result
        if state == Job.State.DONE and job.total is not None:
            fields["done"] = job.total
        if error:
            fields["errors"] = [*job.errors, error][-200:]
        Job.objects.filter(pk=job.pk).update(**fields)
        JobClaim.objects.filter(job=job).delete()
        audit_record(
            actor=None,
            action=f"job.{state}",
            obj=job,
            changes={"state": (Job.State.RUNNING, state)},
        )
    job.refresh_from_db()
    return job


def job_run(*, job_id: int) -> Job | None:
    """Run a queued job (the worker's side). Safe to call twice: a job a live worker holds, or
    one already finished, is left alone; one whose worker died is taken over and completed."""
    job = _take(job_id)
    if job is None:
        return Job.objects.filter(pk=job_id).first()
    kind = _KINDS[job.kind]
    try:
        result = kind.run(job, JobProgress(job))
    except Exception as exc:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        return _finish(job, Job.State.FAILED, error=message)
    return _finish(job, Job.State.DONE, result=result or {})
