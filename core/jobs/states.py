"""The job's states and what a job row carries about them: the one map of allowed state
changes, the history of events (kept short), and when a job counts as silent (stale)."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.errors import Conflict
from core.models import Job

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


def _check_transition(job: Job, state: str) -> None:
    if state not in TRANSITIONS[job.state]:
        raise Conflict(f"Job {job.pk} is {job.get_state_display().lower()}: it cannot be {state}.")


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


def _entity_ids(job: Job) -> list[int]:
    """The legal entities a job concerns: its audit rows name them all (who may see them)."""
    return list(job.legal_entities.values_list("pk", flat=True))
