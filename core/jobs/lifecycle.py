"""A job's life outside its runner: start (claiming its legal entities), retry after a failure,
and queue again (Retry, the reaper), each with its history event and audit row, the task sent to
the workers after commit."""

import logging
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from core.access import ensure_can_act
from core.audit import Actor, audit_record
from core.errors import Conflict, InvalidInput
from core.models import Job, JobClaim

from .kinds import _KINDS
from .states import (
    ACTIVE,
    TRANSITIONS,
    _check_transition,
    _entity_ids,
    _event,
    _last_sign,
    _stale,
    _stale_before,
    _with_event,
)

logger = logging.getLogger(__name__)


class JobAlreadyRunning(Conflict):
    code = "job_already_running"


def _release_stale_claims(kind: str, entity_ids: Iterable[int], *, claimed_by: Job) -> None:
    """Fail the jobs holding these claims whose worker stopped reporting: a new start takes
    their legal entities (and redoes what they did not finish)."""
    stale_before = _stale_before()
    holders = set(
        JobClaim.objects.filter(kind=kind, legal_entity_id__in=list(entity_ids))
        .exclude(job=claimed_by)
        .values_list("job_id", flat=True)
    )
    for job in (
        Job.objects.select_for_update()
        .filter(pk__in=holders, state__in=ACTIVE)
        .filter(_stale(stale_before))
        .order_by("pk")
    ):
        last_sign = _last_sign(job)
        logger.warning("Job %s abandoned: no progress since %s", job.pk, last_sign)
        message = f"Abandoned: no progress since {last_sign:%Y-%m-%d %H:%M}."
        _check_transition(job, Job.State.FAILED)
        old = job.state
        job.state = Job.State.FAILED
        job.finished_at = timezone.now()
        job.errors = [*job.errors, message][-200:]
        job.history = _with_event(
            job,
            _event(
                job.attempts,
                "abandoned",
                f"{message} Job {claimed_by.pk} took its legal entities over.",
            ),
        )
        job.save(update_fields=["state", "finished_at", "errors", "history"])
        JobClaim.objects.filter(job=job).delete()
        audit_record(
            actor=None,
            action="job.abandoned",
            obj=job,
            changes={"state": (old, job.state)},
            legal_entities=_entity_ids(job),
        )


def _claim(job: Job, entities: list[Model]) -> None:
    _release_stale_claims(job.kind, [e.pk for e in entities], claimed_by=job)
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
    """Send the job to the workers once the transaction that queued it commits: a worker must
    never look for a job that is not there yet, or never will be."""
    from core.tasks import job_run as job_run_task

    transaction.on_commit(lambda: job_run_task.delay(job_id=job.pk))


@transaction.atomic
def job_start(
    *,
    kind: str,
    legal_entities: list[Model],
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
        legal_entities=legal_entities,
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
    job.finished_at = None
    who = actor.get_username() if actor is not None and actor.is_authenticated else "the system"
    _requeue(job, actor=actor, event="retried", message=f"Retried by {who}.")
    return job


def _requeue(job: Job, *, actor: Actor, event: str, message: str) -> None:
    """Put a locked job back in the queue (Retry, the reaper) with its history event and audit
    row, and send it to the workers after commit. A fresh heartbeat: the queued job must not
    look abandoned before a worker has had the time to take it."""
    old = job.state
    job.state = Job.State.QUEUED
    job.heartbeat_at = timezone.now()
    job.history = _with_event(job, _event(job.attempts, event, message))
    job.save(update_fields=["state", "finished_at", "heartbeat_at", "history"])
    audit_record(
        actor=actor,
        action=f"job.{event}",
        obj=job,
        changes={"state": (old, job.state)},
        legal_entities=_entity_ids(job),
    )
    _enqueue(job)
