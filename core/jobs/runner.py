"""The worker's side of a job: take the job's next attempt (taking over from a silent runner),
run its kind's function, and record how the attempt ended, all fenced by the attempt number."""

import logging
import os
import socket
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.models import Job, JobClaim

from .kinds import _KINDS
from .progress import JobProgress, JobSuperseded
from .states import (
    ACTIVE,
    HISTORY_KEPT,
    _check_transition,
    _entity_ids,
    _event,
    _last_sign,
    _stale_before,
    _with_event,
)

logger = logging.getLogger(__name__)


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
        if job.state == Job.State.RUNNING and _last_sign(job) >= _stale_before():
            return None
        history = _history_of_previous_attempt(job, now)
        history.append(_attempt_started(job, worker))
        _check_transition(job, Job.State.RUNNING)
        job.attempts += 1
        job.state = Job.State.RUNNING
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.errors = []
        job.history = history[-HISTORY_KEPT:]
        job.save(
            update_fields=["state", "attempts", "started_at", "heartbeat_at", "errors", "history"]
        )
        return job


def _history_of_previous_attempt(job: Job, now: datetime) -> list[dict[str, Any]]:
    """The job's history with what the attempt being replaced left unsaid: that it went
    silent, and the errors it reported without finishing (the new attempt reports its own)."""
    history = list(job.history)
    previous = job.attempts
    if job.state == Job.State.RUNNING:
        seconds = int((now - _last_sign(job)).total_seconds())
        history.append(
            _event(previous, "stale", f"Attempt {previous} stale: no heartbeat for {seconds} s.")
        )
    if job.errors:
        history.append(
            _event(
                previous,
                "errors",
                f"Attempt {previous} reported {len(job.errors)} error(s).",
                errors=job.errors,
            )
        )
    return history


def _attempt_started(job: Job, worker: str | None) -> dict[str, Any]:
    """The event of the job's next attempt starting in this worker: a takeover when an earlier
    attempt was running, or was queued again by the reaper, rather than failed and retried."""
    previous = job.attempts
    attempt = previous + 1
    took_over = previous > 0 and (
        job.state == Job.State.RUNNING
        or (bool(job.history) and job.history[-1].get("event") == "requeued")
    )
    where = _worker_name(worker)
    if took_over:
        message = f"Attempt {attempt} took over from attempt {previous} on {where}."
    else:
        message = f"Attempt {attempt} started on {where}."
    return _event(
        attempt,
        "took_over" if took_over else "started",
        message,
        worker=worker or socket.gethostname(),
        pid=os.getpid(),
    )


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
