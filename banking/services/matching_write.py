"""Writing a statement match's outcomes (``banking.services.matching``): one transaction that
locks the statement's lines, writes each chunk's outcomes to the lines the clerk has not decided
since they were read, stamps the statement and audits the match; on a connection of its own
while the next chunk is computed (``computed_and_written``), or on the caller's once all are."""

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, wait
from contextlib import closing
from dataclasses import dataclass
from queue import SimpleQueue
from typing import NamedTuple

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from core.aside import aside
from core.audit import Actor, audit_record
from core.jobs import JobProgress

from ..models import BankStatement, BankStatementLine
from ..sql import jit_off, outcomes_update


@dataclass(frozen=True)
class LineOutcome:
    """A line's outcome as a match writes it."""

    status: str
    proposals: list[dict]
    marked: list[dict]
    customer_id: int | None


class _Stop(Exception):
    """Matching failed: the outcomes written so far are rolled back."""


_END = object()


def computed_and_written(write, compute) -> None:
    """The chunks ``compute()`` yields, each written by ``write`` on a connection of its own
    while the next is computed, from the first chunk on (the statement's lines are locked then, not
    while the first is computed); what was written rolled back when either side fails (the
    error raised is the side's that failed first)."""
    queue: SimpleQueue = SimpleQueue()

    def queued() -> Iterator[dict[int, LineOutcome]]:
        while (item := queue.get()) is not _END:
            if isinstance(item, _Stop):
                raise item
            yield item

    def writing_start() -> Future:
        return aside(lambda: write(queued()), name="statement-match-write")

    writing = None
    computed = False
    try:
        # Closed when left early: what it reads ahead ends with it (``_proposals_compute``).
        with jit_off(), closing(compute()) as chunks:
            for outcomes in chunks:
                if writing is None:
                    writing = writing_start()
                elif writing.done():
                    break  # the writing failed: its error is raised below
                queue.put(outcomes)
        computed = True
    finally:
        # Whatever stopped the computing, the writer is told (it never waits for ever with the
        # lines locked); when the computing failed, its error is the one raised.
        queue.put(_END if computed else _Stop())
        if writing is not None and not computed:
            wait([writing])
    if writing is None:
        writing = writing_start()  # no line to match: the statement is stamped all the same
    writing.result()


_COUNTED = [
    BankStatementLine.Status.MATCHED,
    BankStatementLine.Status.SUGGESTED,
    BankStatementLine.Status.UNMATCHED,
]


def _status_counts(statement: BankStatement) -> dict[str, int]:
    rows = statement.lines.values_list("status").annotate(n=Count("id")).order_by()
    return dict(rows)


def match_write(
    statement: BankStatement,
    read: dict[int, str],
    chunks: Iterable[dict[int, LineOutcome]],
    *,
    actor: Actor,
    progress: JobProgress | None,
) -> None:
    """In one transaction: every line of the statement locked; the outcomes of ``chunks``
    written (``_outcomes_write``); the statement's ``matched_at`` set and the match audited
    with the lines counted per status before and after."""
    with transaction.atomic():
        locked = _lines_lock(statement)
        before = _status_counts(statement)
        for outcomes in chunks:
            _outcomes_write(locked, read, outcomes)
        statement.matched_at = timezone.now()
        statement.save(update_fields=["matched_at"])
        after = _status_counts(statement)
        audit_record(
            actor=actor,
            action="bank_statement.matched",
            obj=statement,
            changes={status: (before.get(status, 0), after.get(status, 0)) for status in _COUNTED},
            legal_entity=statement.bank_account.legal_entity,
        )
        if progress is not None:
            progress.fence()


class _Locked(NamedTuple):
    undecided: dict[int, str]  # the status of each line neither posted, ignored nor changed
    held: set[int]  # the transactions the posted and the changed lines hold


def _lines_lock(statement: BankStatement) -> _Locked:
    """Lock every line of the statement; what the lines the clerk decided hold, and the status
    of the others."""
    locked = (
        BankStatementLine.objects.select_for_update()
        .filter(statement=statement)
        .order_by("pk")
        .values_list("id", "status", "marked_by_user", "marked")
    )
    undecided, held = {}, set()
    for pk, status, by_user, marked in locked:
        if not (by_user or status in BankStatementLine.DONE):
            undecided[pk] = status
        elif status != BankStatementLine.Status.IGNORED:
            held |= {int(m["transaction"]) for m in marked if m.get("transaction")}
    return _Locked(undecided, held)


def _outcomes_write(
    locked: _Locked, read: dict[int, str], outcomes: dict[int, LineOutcome]
) -> None:
    """Write the outcomes to their lines, except to those posted, ignored or changed by the
    clerk since they were read; an outcome that would mark a transaction such a line holds is
    written as a suggestion."""
    changed = []
    for pk, outcome in outcomes.items():
        if locked.undecided.get(pk) != read.get(pk):
            continue
        if {int(m["transaction"]) for m in outcome.marked} & locked.held:
            changed.append((pk, BankStatementLine.Status.SUGGESTED, outcome.proposals, [], None))
        else:
            changed.append(
                (pk, outcome.status, outcome.proposals, outcome.marked, outcome.customer_id)
            )
    outcomes_update(changed)
