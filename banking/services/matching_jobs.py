"""Matching runs as a job with progress: queued on import and again on demand, one statement
per chunk (its own transaction), so a killed worker's job completes when it runs again."""

from typing import Any

from django.utils import timezone

from core.audit import Actor
from core.jobs import JobAlreadyRunning, JobProgress, job_chunk, job_start
from core.models import Job

from ..models import BankStatement, BankStatementLine
from ..selectors import MATCH_JOB
from .matching import statement_match
from .returns import returns_match


def statements_match_start(
    *, statements: list[BankStatement], actor: Actor, enqueue: bool = True
) -> Job | None:
    """Queue matching of ``statements`` (one bank account's); None when a matching job of its
    entity is already queued or running (the statements can be matched again on demand)."""
    entity = statements[0].bank_account.legal_entity
    try:
        return job_start(
            kind=MATCH_JOB,
            legal_entities=[entity],
            as_of=timezone.localdate(),
            actor=actor,
            parameters={"statements": [s.pk for s in statements]},
            enqueue=enqueue,
        )
    except JobAlreadyRunning:
        return None


def statements_match_job_run(job: Job, progress: JobProgress) -> dict[str, Any]:
    """The ``bank_statement_match`` job, as the user who started it. One statement: progress
    counts its lines; several (a file of daily statements): it counts statements. Running it
    again matches again."""
    ids = [int(pk) for pk in job.parameters.get("statements", [])]
    statements = sorted(
        BankStatement.objects.filter(pk__in=ids).select_related("bank_account__legal_entity"),
        key=lambda s: s.pk,
    )
    for statement in statements:
        # A collection posted since the import may now be there to return.
        with job_chunk(progress):
            returns_match(statement=statement)
    if len(statements) == 1:
        statement_match(statement=statements[0], actor=job.started_by, progress=progress)
    else:
        progress.set_total(len(statements))
        for statement in statements:
            with job_chunk(progress):
                statement_match(statement=statement, actor=job.started_by)
                progress.advance()
    counts = dict.fromkeys(BankStatementLine.Status.values, 0)
    lines = BankStatementLine.objects.filter(statement__in=statements)
    for status in lines.values_list("status", flat=True):
        counts[status] += 1
    return {"statements": [s.pk for s in statements], **counts}
