"""Matching a bank statement: each credit line's proposals from the matching rules
(``banking.matching``), and its status: ``matched`` (the best proposal reaches the bank
account's entity's auto-match threshold and is no tie; its transactions are marked),
``suggested`` (proposals below it) or ``unmatched`` (none).

Proposals are computed first, in chunks of lines and outside any transaction (a job reports
progress as it goes); the lines are then written in one transaction, under lock, leaving alone
any line the clerk posted, ignored or changed meanwhile. Debit lines are not matched here (a
returned direct debit is matched by its end-to-end id) and are left as they are."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from core.access import ensure_can_act
from core.audit import Actor, audit_record
from core.jobs import JobProgress
from entities.models import LegalEntity
from entities.selectors import granted_entity_ids

from ..matching.candidates import PartyNames, statement_book_load
from ..matching.engine import LineFacts, Proposal, line_propose, proposal_accepted
from ..models import BankStatement, BankStatementLine
from ..sql import outcomes_update

MATCH_CHUNK_LINES = 500


@dataclass(frozen=True)
class _Outcome:
    status: str
    proposals: list[dict]
    marked: list[dict]
    customer_id: int | None


def _facts(line: BankStatementLine) -> LineFacts:
    return LineFacts(
        amount=line.amount,
        currency=line.currency,
        value_date=line.value_date,
        remittance_info=line.remittance_info,
        structured_reference=line.structured_reference,
        counterparty_iban=line.counterparty_iban,
        counterparty_name=line.counterparty_name,
    )


def _taken_by(lines: Sequence[BankStatementLine]) -> set[int]:
    return {int(m["transaction"]) for line in lines for m in line.marked if "transaction" in m}


def _outcome(proposals: list[Proposal], *, threshold: int, currency: str) -> _Outcome:
    as_json = [p.as_json(currency) for p in proposals]
    if not proposals:
        return _Outcome(BankStatementLine.Status.UNMATCHED, [], [], None)
    accepted = proposal_accepted(proposals, threshold=threshold)
    if accepted is None:
        return _Outcome(BankStatementLine.Status.SUGGESTED, as_json, [], None)
    marked = [{**t, "full_settlement": False} for t in as_json[0]["transactions"]]
    return _Outcome(BankStatementLine.Status.MATCHED, as_json, marked, accepted.customer)


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lines_in_play(statement: BankStatement):
    """(lines to match, lines whose marked transactions are taken): credit lines neither
    posted, ignored nor changed by the clerk, in sequence order; and the lines that keep what
    they hold (posted, or changed by the clerk)."""
    lines = list(
        statement.lines.exclude(status=BankStatementLine.Status.IGNORED).order_by("sequence")
    )
    keep = [
        line
        for line in lines
        if line.status == BankStatementLine.Status.POSTED or line.marked_by_user
    ]
    kept = {line.pk for line in keep}
    return [line for line in lines if line.pk not in kept and line.amount > 0], keep


def _proposals_compute(
    *,
    statement: BankStatement,
    lines: Sequence[BankStatementLine],
    taken: set[int],
    actor: Actor,
    progress: JobProgress | None,
) -> dict[int, _Outcome]:
    """Each line's outcome, in sequence order, ``taken`` growing as lines are matched."""
    account = statement.bank_account
    threshold = account.legal_entity.auto_match_threshold
    entity_ids = granted_entity_ids(actor)
    entities = (
        LegalEntity.objects.all()
        if entity_ids is None
        else LegalEntity.objects.filter(pk__in=entity_ids)
    )
    entities_by_id = {e.pk: e for e in entities}
    currencies = sorted({line.currency for line in lines})
    names = PartyNames(entity_ids=entity_ids, currencies=currencies)
    outcomes: dict[int, _Outcome] = {}
    for chunk in _chunks(lines, MATCH_CHUNK_LINES):
        facts = [_facts(line) for line in chunk]
        book = statement_book_load(
            lines=facts,
            entity_ids=entity_ids,
            entities=entities_by_id,
            payment_entity_id=account.legal_entity_id,
            names=names,
        )
        for line, fact in zip(chunk, facts, strict=True):
            proposals = line_propose(fact, book, taken)
            outcome = _outcome(proposals, threshold=threshold, currency=line.currency)
            taken.update(int(m["transaction"]) for m in outcome.marked)
            outcomes[line.pk] = outcome
        if progress is not None:
            progress.advance(len(chunk))
    return outcomes


def statement_match(
    *, statement: BankStatement, actor: Actor, progress: JobProgress | None = None
) -> BankStatement:
    """Match the statement's credit lines (see the module's docstring); the statement back,
    with ``matched_at`` set. Refused unless ``actor`` may act in the bank account's entity;
    candidates come from every entity ``actor`` may act in."""
    statement = BankStatement.objects.select_related("bank_account__legal_entity").get(
        pk=statement.pk
    )
    entity = statement.bank_account.legal_entity
    ensure_can_act(actor, entity, field="statement")
    lines, keep = _lines_in_play(statement)
    if progress is not None:
        progress.set_total(len(lines))
    outcomes = _proposals_compute(
        statement=statement, lines=lines, taken=_taken_by(keep), actor=actor, progress=progress
    )
    with transaction.atomic():
        before = _status_counts(statement)
        _lines_write(statement, {line.pk: line for line in lines}, outcomes)
        statement.matched_at = timezone.now()
        statement.save(update_fields=["matched_at"])
        after = _status_counts(statement)
        audit_record(
            actor=actor,
            action="bank_statement.matched",
            obj=statement,
            changes={status: (before.get(status, 0), after.get(status, 0)) for status in _COUNTED},
            legal_entity=entity,
        )
        if progress is not None:
            progress.fence()
    return statement


_COUNTED = [
    BankStatementLine.Status.MATCHED,
    BankStatementLine.Status.SUGGESTED,
    BankStatementLine.Status.UNMATCHED,
]


def _status_counts(statement: BankStatement) -> dict[str, int]:
    rows = statement.lines.values_list("status").annotate(n=Count("id")).order_by()
    return dict(rows)


def _lines_write(
    statement: BankStatement, read: dict[int, BankStatementLine], outcomes: dict[int, _Outcome]
) -> None:
    """Write the outcomes to the lines, every line of the statement locked, except to those
    posted, ignored or changed by the clerk since they were read; an outcome that would mark a
    transaction such a line holds now is written as a suggestion."""
    locked = (
        BankStatementLine.objects.select_for_update()
        .filter(statement=statement)
        .order_by("pk")
        .values_list("id", "status", "marked_by_user", "marked")
    )
    now, held = [], set()
    for pk, status, by_user, marked in locked:
        line = read.get(pk)
        decided = by_user or status in BankStatementLine.DONE
        if pk in outcomes and line is not None and status == line.status and not decided:
            now.append(line)
        elif decided and status != BankStatementLine.Status.IGNORED:
            held |= {int(m["transaction"]) for m in marked if m.get("transaction")}
    changed = []
    for line in now:
        outcome = outcomes[line.pk]
        taken = {int(m["transaction"]) for m in outcome.marked} & held
        if taken:
            changed.append(
                (line.pk, BankStatementLine.Status.SUGGESTED, outcome.proposals, [], None)
            )
        else:
            changed.append(
                (line.pk, outcome.status, outcome.proposals, outcome.marked, outcome.customer_id)
            )
    outcomes_update(changed)
