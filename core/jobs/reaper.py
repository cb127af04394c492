"""The reaper: finds the jobs nobody is running any more (a worker killed, a task message lost,
no worker to take it) and queues them again, so that they complete without anyone."""

import logging

from django.db import transaction
from django.utils import timezone

from core.models import Job

from .lifecycle import _requeue
from .states import ACTIVE, _check_transition, _last_sign, _stale, _stale_before

logger = logging.getLogger(__name__)


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
