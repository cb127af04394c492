"""Exports of the collections list, CSV and XLSX, through the shared spreadsheet helper
(``core.exports``: text written as text, never as a formula).

CSV is streamed: its rows come from a server-side cursor as the response is sent. An XLSX of up
to ``EXPORT_XLSX_MAX_ROWS_INLINE`` rows is written in the request; a larger one is the
``export_xlsx`` job, which writes the file into the private ``EXPORTS_DIR`` with its progress.
The file is served only to the user who started the job, and only while that user is still
granted every legal entity the job concerns.
"""

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from core.audit import Actor
from core.exports import exports_dir, xlsx_write
from core.jobs import JobProgress, job_start
from core.models import Job
from core.money import quantize
from entities.models import LegalEntity
from entities.selectors import User, jobs_for_user
from entities.services import ensure_can_act

from ..exceptions import ExportNeedsJob
from ..selectors import aging_period_set_get, collections_lines, collections_rows

EXPORT_XLSX = "export_xlsx"
SHEET_NAME = "Collections"
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class CollectionsExportQuery:
    """What the collections list is filtered and sorted by, as a job can store it."""

    criteria: dict[str, Any]
    legal_entity_ids: frozenset[int] | None = None
    agent_id: int | None = None
    ordering: str = "-overdue"

    def parameters(self) -> dict[str, Any]:
        return {
            "criteria": self.criteria,
            "legal_entity_ids": (
                sorted(self.legal_entity_ids) if self.legal_entity_ids is not None else None
            ),
            "agent_id": self.agent_id,
            "ordering": self.ordering,
        }

    @classmethod
    def from_parameters(cls, parameters: dict[str, Any]) -> "CollectionsExportQuery":
        ids = parameters.get("legal_entity_ids")
        return cls(
            criteria=dict(parameters.get("criteria") or {}),
            legal_entity_ids=frozenset(ids) if ids is not None else None,
            agent_id=parameters.get("agent_id"),
            ordering=parameters.get("ordering") or "-overdue",
        )


def _query_rows(user: User | None, query: CollectionsExportQuery):
    period_set = aging_period_set_get()
    lines = collections_lines(
        user,
        period_set=period_set,
        criteria=query.criteria,
        legal_entity_ids=set(query.legal_entity_ids)
        if query.legal_entity_ids is not None
        else None,
        agent_id=query.agent_id,
    )
    labels = [b.label for b in period_set.buckets.all()]
    return lines, collections_rows(lines, ordering=query.ordering), labels


def collections_export_lines(rows: QuerySet, labels: list[str]) -> Iterator[list[Any]]:
    """The header, then one list per row, read through a server-side cursor ``CHUNK_SIZE``
    rows at a time. Amounts are Decimals (numbers in a spreadsheet) rounded to their currency's
    minor units (the credit limit to the customer's currency), names are text."""
    yield [
        "legal_entity", "customer", "name", "party", "currency", "balance", "overdue", *labels,
        "credit_limit", "on_hold", "agent", "last_activity", "promised_on", "as_of",
    ]  # fmt: skip
    for r in rows.iterator(chunk_size=CHUNK_SIZE):
        currency = r["currency"]
        limit = r["credit_limit"]
        yield [
            r["legal_entity_code"], r["customer_account"], r["customer_name"] or r["party_name"],
            r["party_number"], currency, quantize(r["balance"], currency),
            quantize(r["overdue"], currency), *[quantize(a, currency) for a in r["buckets"]],
            None if limit is None else quantize(limit, r["customer_currency"]),
            "yes" if r["on_hold"] else "no", r["agent_name"] or "",
            r["last_activity"].replace(tzinfo=None) if r["last_activity"] else None,
            r["promised_on"], r["as_of"],
        ]  # fmt: skip


def collections_export_csv(*, user: User | None, query: CollectionsExportQuery):
    """The rows of a CSV export (header first), produced lazily as the response streams."""
    _, rows, labels = _query_rows(user, query)
    return collections_export_lines(rows, labels)


def collections_export_xlsx(
    *, actor: Actor, query: CollectionsExportQuery, background: bool = False
) -> bytes | Job:
    """The workbook's bytes when the list is small; otherwise, with ``background``, the
    ``export_xlsx`` job started for the legal entities the rows belong to (the worker writes
    the file), and without it ``ExportNeedsJob``: only a POST starts work."""
    lines, rows, labels = _query_rows(actor, query)
    count = lines.count()
    if count <= settings.EXPORT_XLSX_MAX_ROWS_INLINE:
        buffer = BytesIO()
        xlsx_write(buffer, sheet_name=SHEET_NAME, lines=collections_export_lines(rows, labels))
        return buffer.getvalue()
    if not background:
        raise ExportNeedsJob(count, settings.EXPORT_XLSX_MAX_ROWS_INLINE)
    entities = list(
        LegalEntity.objects.filter(pk__in=lines.order_by().values("legal_entity_id")).order_by(
            "code"
        )
    )
    return job_start(
        kind=EXPORT_XLSX,
        legal_entities=entities,
        as_of=timezone.localdate(),
        actor=actor,
        parameters=query.parameters(),
    )


def _counted(lines: Iterable[list[Any]], progress: JobProgress, total: int):
    """``lines`` as they are written, reporting progress every ``CHUNK_SIZE`` rows (never past
    ``total``: rows added meanwhile are written but not counted)."""
    pending = done = 0
    for index, line in enumerate(lines):
        yield line
        if index == 0:
            continue  # the header
        pending += 1
        if pending == CHUNK_SIZE:
            step = min(pending, total - done)
            done += step
            progress.advance(step)
            pending = 0


def export_file_path(job: Job) -> Path:
    return exports_dir() / f"collections-{job.pk}.xlsx"


def collections_export_job_run(job: Job, progress: JobProgress) -> dict[str, Any]:
    """The ``export_xlsx`` job: the collections list of the stored query, narrowed to the job's
    legal entities, with the grants its starter holds now, written to ``EXPORTS_DIR``. A rerun
    writes the file again (to a part file first, renamed when complete)."""
    user = job.started_by
    entities = list(job.legal_entities.order_by("code"))
    for entity in entities:
        ensure_can_act(user, entity, field="legal_entities")
    query = CollectionsExportQuery.from_parameters(job.parameters)
    entity_ids = frozenset(e.pk for e in entities)
    if query.legal_entity_ids is not None:
        entity_ids &= query.legal_entity_ids
    query = CollectionsExportQuery(
        criteria=query.criteria,
        legal_entity_ids=entity_ids,
        agent_id=query.agent_id,
        ordering=query.ordering,
    )
    lines, rows, labels = _query_rows(user, query)
    total = lines.count()
    progress.set_total(total)
    path = export_file_path(job)
    # Each attempt writes its own part file, and renames it only while the job is still its
    # own: an attempt taken over (the heartbeat raises) leaves the file to the new one.
    part = path.with_name(f"{path.name}.{progress.attempt}.part")
    try:
        written = xlsx_write(
            part,
            sheet_name=SHEET_NAME,
            lines=_counted(collections_export_lines(rows, labels), progress, total),
        )
        progress.heartbeat()
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return {"rows": written - 1, "file": path.name}


def collections_export_job_for_download(user: User | None, job_id: int) -> Job | None:
    """The export job ``job_id`` if ``user`` started it and is still granted all its legal
    entities; None otherwise (the caller answers "not found" either way)."""
    if user is None or not user.is_authenticated:
        return None
    return jobs_for_user(user).filter(pk=job_id, kind=EXPORT_XLSX, started_by=user).first()
