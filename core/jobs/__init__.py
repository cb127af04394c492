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

The rooms: ``states`` (the map of allowed state changes, history, staleness), ``progress`` (what
a running attempt writes, fenced), ``kinds`` (the registry), ``lifecycle`` (start, retry, queue
again), ``runner`` (take an attempt, run it, record its end) and ``reaper``.
"""

from .kinds import _KINDS, JOB_OUTPUTS_SHOWN, JobKind, job_kind_register, job_kinds
from .lifecycle import JobAlreadyRunning, job_retry, job_start
from .progress import JobProgress, JobSuperseded, job_chunk
from .reaper import jobs_reap
from .runner import job_run
from .states import ACTIVE, HISTORY_KEPT, TRANSITIONS

__all__ = [
    "ACTIVE",
    "HISTORY_KEPT",
    "JOB_OUTPUTS_SHOWN",
    "TRANSITIONS",
    "_KINDS",
    "JobAlreadyRunning",
    "JobKind",
    "JobProgress",
    "JobSuperseded",
    "job_chunk",
    "job_kind_register",
    "job_kinds",
    "job_retry",
    "job_run",
    "job_start",
    "jobs_reap",
]
