"""Long jobs: start, run with progress and heartbeats, recover without anyone, retry.

A job kind (recurring invoices, interest notes, aging snapshots) is registered by the app that
runs it with a function ``run(job, progress) -> dict``. That function does its work in chunks,
each chunk in its own transaction and safe to redo (idempotent by database constraints), and
reports progress after each chunk, so a browser or API client can follow it and a job killed
midway completes without duplicates when it runs again.

While a job is queued or running it holds a claim per legal entity (``JobClaim``): a second job
of the same kind for the same entity is refused with a conflict.

Every run of a job is an attempt, numbered by ``Job.attempts``; the number is the fence. A runner
writes only while the job row is ``running`` under its own attempt: each chunk's transaction
ends with ``progress.fence()`` (``job_chunk`` does it), an UPDATE of the job row guarded by the
attempt number, which holds the row's lock until the chunk commits. When the job has been taken
over, it matches no row and raises ``JobSuperseded``, and the whole chunk rolls back. Progress,
errors, the result and the finish are written under the same guard, so a runner that wakes up
after its takeover can change nothing.

Heartbeats: the chunks' loops call ``progress.beat()`` per row; every ``JOB_HEARTBEAT_ROWS``
rows it stamps ``heartbeat_at``, through a connection of its own when a chunk's transaction is
open (that transaction would hide the stamp until it commits). Rows, not a timer thread: a
runner stuck inside a chunk stops beating and is recovered, where a thread would keep a hung
job looking alive forever.

Recovery: ``jobs_reap`` (Celery beat, every ``JOB_REAPER_INTERVAL_SECONDS``) queues again every
job whose heartbeat (or creation, for one no worker ever started) is older than
``JOB_STALE_AFTER_SECONDS`` and sends its task; the worker that gets it starts the next attempt,
which completes the work. ``Job.history`` keeps what happened.

Past the ~400 lines the style asks for: it is split by concern when the platform moves to
``core`` and each concept gets one owner (the architecture step), so that the split is done
once, in the new layout, with behaviour and figures unchanged.
"""

import logging
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connection,
    connections,
    transaction,
)
from django.db.models import F, Model, Q
from django.utils import timezone

from core.access import ensure_can_act
from core.audit import Actor, audit_record
from core.errors import Conflict, InvalidInput
from core.models import Job, JobClaim

logger = logging.getLogger(__name__)

ACTIVE = (Job.State.QUEUED, Job.State.RUNNING)

# The one map of allowed state changes of a job.
TRANSITIONS = {
    Job.State.QUEUED: {Job.State.RUNNING, Job.State.FAILED},
    # Back to queued: the reaper found its runner silent and queues the job again.
    Job.State.RUNNING: {Job.State.RUNNING, Job.State.QUEUED, Job.State.DONE, Job.State.FAILED},
    Job.State.DONE: set(),
    Job.State.FAILED: {Job.State.QUEUED},
}

HISTORY_KEPT = 200


class JobAlreadyRunning(Conflict):
    code = "job_already_running"


class JobSuperseded(Exception):
    """The runner's attempt is no longer the job's (taken over, queued again or finished
    elsewhere): what it was writing is rolled back and it stops."""

    def __init__(self, job_id: int, attempt: int) -> None:
        super().__init__(f"Job {job_id}: attempt {attempt} is no longer the job's attempt.")
        self.job_id = job_id
        self.attempt = attempt


def _event(attempt: int, event: str, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "at": timezone.now().isoformat(timespec="seconds"),
        "attempt": attempt,
        "event": event,
        "message": message,
        **extra,
    }


def _with_event(job: Job, entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [*job.history, entry][-HISTORY_KEPT:]


class JobProgress:
    """What a running attempt reports: the total, items done, errors of single items and
    heartbeats; every write guarded by the attempt number (see the module's docstring)."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.attempt = job.attempts
        self._rows = 0
        self._side = None  # the heartbeat's own connection, opened on first need

    def _mine(self):
        return Job.objects.filter(pk=self.job.pk, attempts=self.attempt, state=Job.State.RUNNING)

    def _update(self, **fields: Any) -> None:
        if not self._mine().update(**fields):
            raise JobSuperseded(self.job.pk, self.attempt)

    def set_total(self, total: int) -> None:
        self._update(total=total, done=0, heartbeat_at=timezone.now())
        self.job.total = total
        self.job.done = 0

    def advance(self, count: int = 1) -> None:
        """Items done. Inside a chunk's transaction, as its last statement, it also fences it."""
        self._update(done=F("done") + count, heartbeat_at=timezone.now())
        self.job.done += count

    def error(self, message: str) -> None:
        """An item that could not be done (the job goes on with the others)."""
        errors = [*self.job.errors, message][-200:]
        self._update(errors=errors)
        self.job.errors = errors

    def fence(self) -> None:
        """The last statement of a chunk's transaction: raise ``JobSuperseded`` (rolling the
        chunk back) unless the job is still this attempt's. The row lock it takes is held until
        the chunk commits, so a takeover waits for the chunk or the chunk sees the takeover.
        Never call ``beat`` after it in the same transaction."""
        assert connection.in_atomic_block, "a fence belongs at the end of a chunk's transaction"
        self._update(heartbeat_at=timezone.now())

    def beat(self, rows: int = 1) -> None:
        """Rows worked; every ``JOB_HEARTBEAT_ROWS`` of them the heartbeat is stamped."""
        self._rows += rows
        if self._rows >= settings.JOB_HEARTBEAT_ROWS:
            self._rows = 0
            self.heartbeat()

    def heartbeat(self) -> None:
        """Stamp ``heartbeat_at`` now, seen by others at once. Outside a transaction that is a
        guarded update; inside a chunk's transaction (PostgreSQL) it goes through the
        heartbeat's own connection. Raises ``JobSuperseded`` when the job is no longer this
        attempt's, so a runner taken over stops within a few rows."""
        if not connection.in_atomic_block:
            self._update(heartbeat_at=timezone.now())
            return
        if connection.vendor != "postgresql":
            return  # SQLite has one writer: the chunk's commit is the next heartbeat
        table = connection.ops.quote_name(Job._meta.db_table)
        try:
            with self._side_connection().cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET heartbeat_at = %s "  # noqa: S608
                    "WHERE id = %s AND attempts = %s AND state = %s",
                    [timezone.now(), self.job.pk, self.attempt, Job.State.RUNNING],
                )
                if cursor.rowcount:
                    return
                # Not ours: taken over, or a row not committed yet (seen by nobody else).
                cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s", [self.job.pk])  # noqa: S608
                taken = cursor.fetchone() is not None
        except DatabaseError:
            # A lock held a moment too long (a takeover deciding, or this very runner's own
            # fence), or a connection lost: this beat is skipped, the next one comes a few rows
            # later.
            logger.warning("Job %s: heartbeat skipped", self.job.pk, exc_info=True)
            self.close()  # a fresh connection for the next one, should this one be broken
            return
        if taken:
            raise JobSuperseded(self.job.pk, self.attempt)

    def _side_connection(self):
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            with self._side.cursor() as cursor:
                # Never wait long on the job row: a runner must not block on its own lock.
                cursor.execute("SET lock_timeout = '2s'")
        return self._side

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


@contextmanager
def job_chunk(progress: JobProgress | None) -> Iterator[None]:
    """The transaction of one chunk of a job's work, fenced at its end: it commits only while
    the job is still this attempt's. Without a job (``progress`` None) it adds nothing: the
    chunk's own transaction is all."""
    if progress is None:
        yield
        return
    with transaction.atomic():
        yield
        progress.fence()


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


def _stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)


def _stale(stale_before: datetime) -> Q:
    """Jobs whose last sign of life (heartbeat, else start, else creation) is older."""
    return (
        Q(heartbeat_at__lt=stale_before)
        | Q(heartbeat_at__isnull=True, started_at__lt=stale_before)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True, created_at__lt=stale_before)
    )


def _last_sign(job: Job) -> datetime:
    return job.heartbeat_at or job.started_at or job.created_at


def _check_transition(job: Job, state: str) -> None:
    if state not in TRANSITIONS[job.state]:
        raise Conflict(f"Job {job.pk} is {job.get_state_display().lower()}: it cannot be {state}.")


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


def _entity_ids(job: Job) -> list[int]:
    """The legal entities a job concerns: its audit rows name them all (who may see them)."""
    return list(job.legal_entities.values_list("pk", flat=True))


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


def _worker_name(worker: str | None) -> str:
    return f"{worker or socket.gethostname()} (pid {os.getpid()})"


def _take(job_id: int, worker: str | None) -> Job | None:
    """Start the job's next attempt in this worker, or None when a live runner has it (a
    duplicate delivery of the task) or it is finished. A running job whose runner went silent
    is taken over at once; the old runner is fenced off by the new attempt number."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state not in ACTIVE:
            return None
        now = timezone.now()
        stale_before = _stale_before()
        if job.state == Job.State.RUNNING and _last_sign(job) >= stale_before:
            return None
        history = list(job.history)
        previous = job.attempts
        took_over = previous > 0 and (
            job.state == Job.State.RUNNING
            or (bool(history) and history[-1].get("event") == "requeued")
        )
        if job.state == Job.State.RUNNING:
            seconds = int((now - _last_sign(job)).total_seconds())
            history.append(
                _event(
                    previous, "stale", f"Attempt {previous} stale: no heartbeat for {seconds} s."
                )
            )
        if job.errors:
            # The errors of an attempt that did not finish belong to its history; the new
            # attempt reports its own.
            history.append(
                _event(
                    previous,
                    "errors",
                    f"Attempt {previous} reported {len(job.errors)} error(s).",
                    errors=job.errors,
                )
            )
        job.attempts = previous + 1
        where = _worker_name(worker)
        if took_over:
            message = f"Attempt {job.attempts} took over from attempt {previous} on {where}."
        else:
            message = f"Attempt {job.attempts} started on {where}."
        history.append(
            _event(
                job.attempts,
                "took_over" if took_over else "started",
                message,
                worker=worker or socket.gethostname(),
                pid=os.getpid(),
            )
        )
        _check_transition(job, Job.State.RUNNING)
        job.state = Job.State.RUNNING
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.errors = []
        job.history = history[-HISTORY_KEPT:]
        job.save(
            update_fields=["state", "attempts", "started_at", "heartbeat_at", "errors", "history"]
        )
        return job


def _finish(
    job: Job,
    state: str,
    *,
    attempt: int,
    result: dict | None = None,
    error: str | None = None,
) -> Job | None:
    """Record the attempt's end, or nothing (None) when the job is no longer its own."""
    with transaction.atomic():
        locked = (
            Job.objects.select_for_update()
            .filter(pk=job.pk, attempts=attempt, state=Job.State.RUNNING)
            .first()
        )
        if locked is None:
            return None
        _check_transition(locked, state)
        locked.state = state
        locked.finished_at = timezone.now()
        if result is not None:
            locked.result = result
        if state == Job.State.DONE and locked.total is not None:
            locked.done = locked.total
        if error:
            locked.errors = [*locked.errors, error][-200:]
        message = f"Attempt {attempt} {'done' if state == Job.State.DONE else 'failed'}."
        if error:
            message = f"{message[:-1]}: {error}"
        locked.history = _with_event(locked, _event(attempt, state, message))
        locked.save(update_fields=["state", "finished_at", "result", "done", "errors", "history"])
        JobClaim.objects.filter(job=locked).delete()
        audit_record(
            actor=None,
            action=f"job.{state}",
            obj=locked,
            changes={"state": (Job.State.RUNNING, state)},
            legal_entities=_entity_ids(locked),
        )
    return locked


def _takeovers_since_retry(job: Job) -> int:
    count = 0
    for event in reversed(job.history):
        if event.get("event") == "retried":
            break
        count += event.get("event") == "took_over"
    return count


def job_run(*, job_id: int, worker: str | None = None) -> Job | None:
    """Run a queued job (the worker's side). Safe to call twice: a job a live runner holds, or
    one already finished, is left alone; one whose runner went silent is taken over and
    completed. A runner taken over meanwhile stops and writes nothing more."""
    job = _take(job_id, worker)
    if job is None:
        return Job.objects.filter(pk=job_id).first()
    takeovers = _takeovers_since_retry(job)
    if takeovers > settings.JOB_MAX_TAKEOVERS:
        return _finish(
            job,
            Job.State.FAILED,
            attempt=job.attempts,
            error=f"Given up: its worker died {takeovers} times in a row (each attempt was "
            "taken over); retry it once the cause is found.",
        )
    kind = _KINDS[job.kind]
    progress = JobProgress(job)
    outcome: dict[str, Any] = {}
    try:
        outcome = {"state": Job.State.DONE, "result": kind.run(job, progress) or {}}
    except JobSuperseded:
        logger.warning("Job %s: attempt %s was taken over; it stops", job.pk, progress.attempt)
    except Exception as exc:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        outcome = {"state": Job.State.FAILED, "error": message}
    finally:
        progress.close()
    if outcome:
        finished = _finish(job, attempt=progress.attempt, **outcome)
        if finished is not None:
            return finished
        logger.warning("Job %s: attempt %s ended after its takeover", job.pk, progress.attempt)
    return Job.objects.filter(pk=job_id).first()


def jobs_reap(*, limit: int = 100) -> list[int]:
    """Queue again, and send to the workers, every queued or running job that has shown no sign
    of life for ``JOB_STALE_AFTER_SECONDS``: its worker was killed, its task message lost, or no
    worker took it. The attempt that picks it up takes it over; the silent runner, should it
    wake up, is fenced off. Celery beat runs it every ``JOB_REAPER_INTERVAL_SECONDS``."""
    stale_before = _stale_before()
    candidates = list(
        Job.objects.filter(state__in=ACTIVE)
        .filter(_stale(stale_before))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    requeued = []
    for pk in candidates:
        with transaction.atomic():
            # A job whose row is locked is being taken or fenced right now: alive.
            job = (
                Job.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state__in=ACTIVE)
                .filter(_stale(stale_before))
                .first()
            )
            if job is None:
                continue
            now = timezone.now()
            seconds = int((now - _last_sign(job)).total_seconds())
            if job.state == Job.State.RUNNING:
                message = (
                    f"Attempt {job.attempts} stale: no heartbeat for {seconds} s; "
                    "queued again by the reaper."
                )
            else:
                message = f"Queued {seconds} s without a worker; queued again by the reaper."
            logger.warning("Job %s: %s", job.pk, message)
            if job.state != Job.State.QUEUED:
                _check_transition(job, Job.State.QUEUED)
            _requeue(job, actor=None, event="requeued", message=message)
        requeued.append(pk)
    return requeued
