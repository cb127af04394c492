"""What a running attempt writes while it works: progress, errors of single items, heartbeats,
and the fence that ends each chunk's transaction. Every write is guarded by the attempt number,
so a runner taken over changes nothing (see the package's docstring)."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from core.models import Job

logger = logging.getLogger(__name__)


class JobSuperseded(Exception):
    """The runner's attempt is no longer the job's (taken over, queued again or finished
    elsewhere): what it was writing is rolled back and it stops."""

    def __init__(self, job_id: int, attempt: int) -> None:
        super().__init__(f"Job {job_id}: attempt {attempt} is no longer the job's attempt.")
        self.job_id = job_id
        self.attempt = attempt


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
