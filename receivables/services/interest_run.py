"""Interest notes, the run: for the overdue invoices of chosen legal entities as of a date, one
draft note per customer and currency with a line per invoice and rate period, a chunk of
customers per transaction, written with one statement per table (no model instances: a run may
write hundreds of thousands of lines). The day-count rule is in ``receivables.interest``; a
note's life after the run is ``services.interest``."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from core import db
from core.aggregates import DecimalSum
from core.audit import Actor, audit_record_rows
from core.jobs import job_chunk
from core.models import Job
from core.money import ZERO
from entities.models import LegalEntity
from entities.services import ensure_can_act

from ..interest import RangeRule, add_months, exact_cost, interest_periods, month_charge
from ..models import InterestCode, InterestCurrency, InterestNote, InterestNoteLine, OpenTransaction
from ..selectors import open_transactions_matching_for_update
from .interest import NOT_CHARGED, Status


class _CodeBook:
    """Interest codes with their ranges and currencies, read once per run."""

    def __init__(self) -> None:
        self._codes: dict[int, tuple[InterestCode, list[RangeRule], dict[str, InterestCurrency]]]
        self._codes = {}

    def get(self, code_id: int):
        if code_id not in self._codes:
            code = InterestCode.objects.prefetch_related("ranges", "currencies").get(pk=code_id)
            self._codes[code_id] = (
                code,
                [RangeRule(r.from_overdue, r.to_overdue, r.percent) for r in code.ranges.all()],
                {c.currency: c for c in code.currencies.all()},
            )
        return self._codes[code_id]


def _overdue_invoices(legal_entities: list[LegalEntity], as_of: date):
    return OpenTransaction.objects.filter(
        legal_entity__in=legal_entities,
        kind=OpenTransaction.Kind.INVOICE,
        open_amount__gt=0,
        due_date__lt=as_of,
        date__lte=as_of,
        disputed=False,
        customer__interest_code__isnull=False,
    )


def interest_notes_create(
    *,
    legal_entities: list[LegalEntity],
    as_of: date,
    actor: Actor,
    job: Job | None = None,
    progress=None,
    chunk_size: int = 1000,
) -> dict[str, Any]:
    """Draft interest notes for the overdue invoices of ``legal_entities`` as of a date, in
    chunks of customers, each chunk one transaction. Each invoice is charged its interest from
    its due date to ``as_of`` less what live notes already charged, so running it again (or
    after a crash, or more often) adds nothing twice."""
    for entity in legal_entities:
        ensure_can_act(actor, entity, field="legal_entities")
    customer_ids = sorted(
        set(_overdue_invoices(legal_entities, as_of).values_list("customer_id", flat=True))
    )
    if progress is not None:
        progress.set_total(len(customer_ids))
    codes = _CodeBook()
    totals = {"customers": len(customer_ids), "notes": 0, "lines": 0}
    for start in range(0, len(customer_ids), chunk_size):
        chunk = customer_ids[start : start + chunk_size]
        with job_chunk(progress):
            notes, lines = _notes_for_chunk(
                chunk, legal_entities, as_of, actor, job, codes, progress=progress
            )
        totals["notes"] += notes
        totals["lines"] += lines
        if progress is not None:
            progress.advance(len(chunk))
    return totals


_INVOICE_FIELDS = (
    "pk",
    "legal_entity_id",
    "legal_entity__code",
    "customer_id",
    "customer__interest_code_id",
    "document_number",
    "due_date",
    "currency",
    "open_amount",
)


@transaction.atomic
def _notes_for_chunk(customer_ids, legal_entities, as_of, actor, job, codes, *, progress=None):
    """One chunk of customers in one transaction: their overdue invoices locked, what their
    live notes already charged, the interest still due (computed cumulatively), one note per
    customer and currency topping up the month's figure."""
    invoices = list(
        open_transactions_matching_for_update(
            _overdue_invoices(legal_entities, as_of).filter(customer_id__in=customer_ids)
        ).values_list(*_INVOICE_FIELDS)
    )
    # Read after the lock: a run that held these invoices has committed its lines by now.
    charged = _charged_so_far([i[0] for i in invoices])
    grouped = _periods_due(invoices, charged, codes, as_of, progress)
    batch = _Batch(
        who=actor.pk if actor is not None and actor.is_authenticated else None,
        now=db.now()[1],
        job_id=job.pk if job else None,
    )
    month_charged = _month_charged(customer_ids, as_of)
    for (customer_id, currency), items in grouped.items():
        _note_add(batch, customer_id, currency, items, codes, month_charged, as_of)
    if not batch.notes:
        return 0, 0
    return _batch_write(batch, actor)


def _charged_so_far(invoice_ids: list[int]) -> dict[int, tuple[list, Decimal, Decimal]]:
    """Per invoice, what live notes charged: the periods, the amounts charged and the exact
    (unrounded) cost of those periods."""
    charged: dict[int, tuple[list[tuple[date, date]], Decimal, Decimal]] = {}
    for pk, start, end, amount, base, percent, days, months in InterestNoteLine.objects.filter(
        open_transaction_id__in=invoice_ids, charged=True
    ).values_list(
        "open_transaction_id",
        "period_start",
        "period_end",
        "amount",
        "base",
        "percent",
        "days",
        "months",
    ):
        spans, paid, exact = charged.get(pk, ([], ZERO, ZERO))
        spans.append((start, end))
        charged[pk] = (spans, paid + amount, exact + exact_cost(base, percent, months or days))
    return charged


def _month_charged(customer_ids, as_of: date) -> dict[tuple[int, str], dict[str, Decimal]]:
    """What the month's live notes charged, per customer and currency: the fee and the minimum
    apply to the month as a whole."""
    first_day = as_of.replace(day=1)
    return {
        (row["customer_id"], row["currency"]): row
        for row in InterestNote.objects.filter(
            customer_id__in=customer_ids,
            date__gte=first_day,
            date__lt=add_months(first_day, 1),
        )
        .exclude(status__in=NOT_CHARGED)
        .values("customer_id", "currency")
        .annotate(interest=DecimalSum("interest"), fee=DecimalSum("fee"), total=DecimalSum("total"))
    }


def _periods_due(invoices, charged, codes, as_of: date, progress):
    """Per (customer, currency), each invoice with the periods it is still to be charged."""
    grouped: dict[tuple[int, str], list[tuple[tuple, list]]] = defaultdict(list)
    nothing = ((), ZERO, ZERO)
    for invoice in invoices:
        if progress is not None:
            progress.beat()  # a heartbeat every JOB_HEARTBEAT_ROWS invoices, within the chunk
        pk, _, _, customer_id, code_id, _, due_date, currency, open_amount = invoice
        code, ranges, _ = codes.get(code_id)
        spans, paid, exact = charged.get(pk, nothing)
        periods = interest_periods(
            due_date=due_date,
            as_of=as_of,
            charged=spans,
            charged_amount=paid,
            charged_exact=exact,
            base=open_amount,
            currency=currency,
            charge_per=code.charge_per,
            ranges_by=code.ranges_by,
            grace_days=code.grace_days,
            ranges=ranges,
        )
        if periods:
            grouped[(customer_id, currency)].append((invoice, periods))
    return grouped


@dataclass
class _Batch:
    """The rows one chunk writes: notes, and per note its entity and items."""

    who: int | None
    now: Any
    job_id: int | None
    notes: list[tuple] = field(default_factory=list)
    note_items: list[tuple] = field(default_factory=list)


def _note_add(batch: _Batch, customer_id, currency, items, codes, month_charged, as_of) -> None:
    """The note of one customer and currency: its interest, and the month's minimum and fee
    topped up to what the month's live notes already charged."""
    entity_id, entity_code, code_id = items[0][0][1], items[0][0][2], items[0][0][4]
    code, _, per_currency = codes.get(code_id)
    interest = sum((p.amount for _, periods in items for p in periods), ZERO)
    setting = per_currency.get(currency)
    month = month_charged.get((customer_id, currency), {})
    adjustment, fee, total = month_charge(
        interest=interest,
        month_interest=month.get("interest", ZERO),
        month_fee=month.get("fee", ZERO),
        month_total=month.get("total", ZERO),
        minimum=setting.minimum_interest if setting else ZERO,
        fee=setting.fixed_fee if setting else ZERO,
    )
    batch.notes.append(
        (
            entity_id,
            customer_id,
            code.pk,
            currency,
            as_of,
            "",
            Status.DRAFT,
            interest,
            adjustment,
            fee,
            total,
            batch.job_id,
            batch.who,
            batch.now,
        )
    )
    batch.note_items.append((entity_id, entity_code, items))


def _batch_write(batch: _Batch, actor: Actor) -> tuple[int, int]:
    """The chunk's notes, their lines and audit rows: one statement each."""
    ids = db.insert_rows(InterestNote, _NOTE_COLUMNS, batch.notes, returning="id")
    lines = [
        (
            note_id,
            invoice[0],
            invoice[5],
            invoice[6],
            p.period_start,
            p.period_end,
            p.days,
            p.months,
            invoice[8],
            p.percent,
            p.amount,
        )
        for note_id, (_, _, items) in zip(ids, batch.note_items, strict=True)
        for invoice, periods in items
        for p in periods
    ]
    db.insert_rows(InterestNoteLine, _LINE_COLUMNS, lines)
    audit_record_rows(
        actor=actor,
        action="interest_note.created",
        model=InterestNote,
        rows=[
            (note_id, f"{entity_code} interest note {note_id}", entity_id)
            for note_id, (entity_id, entity_code, _) in zip(ids, batch.note_items, strict=True)
        ],
    )
    return len(ids), len(lines)


_NOTE_COLUMNS = db.columns(
    InterestNote,
    "legal_entity",
    "customer",
    "interest_code",
    "currency",
    "date",
    "number",
    "status",
    "interest",
    "minimum_adjustment",
    "fee",
    "total",
    "job",
    "created_by",
    "created_at",
)
_LINE_COLUMNS = db.columns(
    InterestNoteLine,
    "note",
    "open_transaction",
    "document_number",
    "due_date",
    "period_start",
    "period_end",
    "days",
    "months",
    "base",
    "percent",
    "amount",
)
