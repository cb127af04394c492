"""Interest notes: calculated by a job for the overdue invoices of
chosen legal entities as of a date, one note per customer and currency with a line per invoice
and rate period; reviewed, waived or posted (customer balance Dr / interest Cr) as an open debit;
a posted note reversed, a waived one reinstated. The day-count rule is in
``receivables.interest``."""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import db
from core.aggregates import DecimalSum
from core.audit import Actor, audit_record, audit_record_rows
from core.jobs import job_chunk
from core.models import Job
from core.money import ZERO, convert
from entities.models import LegalEntity
from entities.selectors import RateBook
from entities.services import ensure_can_act
from ledger.models import PostingType
from ledger.services import (
    VoucherInput,
    VoucherLineInput,
    numbers_take,
    voucher_post,
)
from receivables.models import InterestCode, InterestCurrency

from ..exceptions import InterestChargedAgain, InvalidTransition
from ..interest import (
    RangeRule,
    add_months,
    exact_cost,
    interest_periods,
    month_charge,
)
from ..models import InterestNote, InterestNoteLine, OpenTransaction
from ..selectors import open_transactions_for_update, open_transactions_matching_for_update
from .common import (
    check_customer,
    due_date_for,
    open_transaction_build,
    open_transaction_of_document_locked,
    unsettled_reverse,
)

Status = InterestNote.Status
# A waived or reversed note counts as not charged (see ``receivables.interest``).
NOT_CHARGED = (Status.WAIVED, Status.REVERSED)

# The one map of allowed status changes of interest notes.
TRANSITIONS = {
    Status.DRAFT: {Status.POSTED, Status.WAIVED},
    Status.WAIVED: {Status.DRAFT},
    Status.POSTED: {Status.REVERSED},
    Status.REVERSED: set(),
}


def _transition(note: InterestNote, to: str) -> str:
    if to not in TRANSITIONS[note.status]:
        what = f"Interest note {note.number or note.pk}"
        raise InvalidTransition(
            f"{what} is {note.get_status_display().lower()}: it cannot become "
            f"{Status(to).label.lower()}.",
            field="status",
        )
    old, note.status = note.status, to
    return old


# --- calculating notes ------------------------------------------------------------------------


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


@transaction.atomic
def _notes_for_chunk(customer_ids, legal_entities, as_of, actor, job, codes, *, progress=None):
    """One chunk of customers in one transaction: their overdue invoices locked, what their
    live notes already charged, the interest still due (computed cumulatively), one note per
    customer and currency topping up the month's figure, written with one statement per table
    (no model instances: a run may write hundreds of thousands of lines)."""
    invoices = list(
        open_transactions_matching_for_update(
            _overdue_invoices(legal_entities, as_of).filter(customer_id__in=customer_ids)
        ).values_list(
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
    )
    # Read after the lock: a run that held these invoices has committed its lines by now.
    charged: dict[int, tuple[list[tuple[date, date]], Decimal, Decimal]] = {}
    for pk, start, end, amount, base, percent, days, months in InterestNoteLine.objects.filter(
        open_transaction_id__in=[i[0] for i in invoices], charged=True
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
    # What the month's live notes charged, per customer and currency: the fee and the minimum
    # apply to the month as a whole.
    first_day = as_of.replace(day=1)
    month_charged = {
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
    notes, note_items = [], []
    who = actor.pk if actor is not None and actor.is_authenticated else None
    _, now = db.now()
    for (customer_id, currency), items in grouped.items():
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
        notes.append(
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
                job.pk if job else None,
                who,
                now,
            )
        )
        note_items.append((entity_id, entity_code, items))
    if not notes:
        return 0, 0
    ids = db.insert_rows(
        InterestNote,
        [
            "legal_entity_id",
            "customer_id",
            "interest_code_id",
            "currency",
            "date",
            "number",
            "status",
            "interest",
            "minimum_adjustment",
            "fee",
            "total",
            "job_id",
            "created_by_id",
            "created_at",
        ],
        notes,
        returning="id",
    )
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
        for note_id, (_, _, items) in zip(ids, note_items, strict=True)
        for invoice, periods in items
        for p in periods
    ]
    db.insert_rows(
        InterestNoteLine,
        [
            "note_id",
            "open_transaction_id",
            "document_number",
            "due_date",
            "period_start",
            "period_end",
            "days",
            "months",
            "base",
            "percent",
            "amount",
        ],
        lines,
    )
    audit_record_rows(
        actor=actor,
        action="interest_note.created",
        model=InterestNote,
        rows=[
            (note_id, f"{entity_code} interest note {note_id}", entity_id)
            for note_id, (entity_id, entity_code, _) in zip(ids, note_items, strict=True)
        ],
    )
    return len(ids), len(lines)


# --- a note's life ----------------------------------------------------------------------------


def _locked(note: InterestNote, actor: Actor) -> InterestNote:
    note = (
        InterestNote.objects.select_for_update(of=("self",))
        .select_related("legal_entity", "customer__legal_entity", "customer__payment_terms")
        .get(pk=note.pk)
    )
    ensure_can_act(actor, note.legal_entity)
    return note


@transaction.atomic
def interest_note_post(*, note: InterestNote, actor: Actor) -> InterestNote:
    """Post a draft note: customer balance Dr / interest Cr, and an open debit settled like an
    invoice (due by the customer's terms of payment). A note of total zero (its interest covered
    by the month's minimum) gets its number and books nothing."""
    note = _locked(note, actor)
    old = _transition(note, Status.POSTED)
    entity = note.legal_entity
    check_customer(note.customer, entity)
    if note.total == 0:
        return _zero_note_post(note, old, actor)
    rates = RateBook()
    rate = rates.get(note.currency, entity.accounting_currency, note.date)
    (note.number,) = numbers_take(
        legal_entity=entity, name="interest_note", prefix=f"{entity.code}-INT"
    )
    voucher = voucher_post(
        voucher=VoucherInput(
            legal_entity=entity,
            date=note.date,
            description=f"Interest note {note.number}",
            source_key=f"interest_note:{note.pk}",
            lines=[
                VoucherLineInput(
                    posting_type=PostingType.CUSTOMER_BALANCE,
                    currency=note.currency,
                    amount=note.total,
                    customer=note.customer,
                    description=f"Interest note {note.number}",
                ),
                VoucherLineInput(
                    posting_type=PostingType.INTEREST,
                    currency=note.currency,
                    amount=-note.total,
                    description=f"Interest note {note.number}",
                ),
            ],
        ),
        actor=actor,
        rates=rates,
    )
    note.voucher = voucher
    note.posted_at = timezone.now()
    note.save(update_fields=["status", "number", "voucher", "posted_at"])
    open_transaction_build(
        kind=OpenTransaction.Kind.INTEREST_NOTE,
        legal_entity=entity,
        customer=note.customer,
        voucher=voucher,
        document_number=note.number,
        on=note.date,
        due_date=due_date_for(note.date, note.customer.payment_terms, None),
        currency=note.currency,
        rate=rate,
        amount=note.total,
        accounting_amount=convert(note.total, rate, entity.accounting_currency),
        amount_before_tax=note.total,
        interest_note=note,
    ).save()
    audit_record(
        actor=actor,
        action="interest_note.posted",
        obj=note,
        changes={"status": (old, note.status), "number": (None, note.number)},
        legal_entity=entity,
    )
    return note


def _zero_note_post(note: InterestNote, old: str, actor: Actor) -> InterestNote:
    (note.number,) = numbers_take(
        legal_entity=note.legal_entity, name="interest_note", prefix=f"{note.legal_entity.code}-INT"
    )
    note.posted_at = timezone.now()
    note.save(update_fields=["status", "number", "posted_at"])
    audit_record(
        actor=actor,
        action="interest_note.posted",
        obj=note,
        changes={"status": (old, note.status), "number": (None, note.number)},
        legal_entity=note.legal_entity,
    )
    return note


def _lines_charged(note: InterestNote, charged: bool) -> None:
    """A waived or reversed note's lines count as not charged; a reinstated note's count again."""
    InterestNoteLine.objects.filter(note=note).update(charged=charged)


def _charged_again(note: InterestNote) -> None:
    """Refuse to reinstate ``note`` when a live line of another note charges one of its days.
    Its invoices are locked first, as the interest job locks them, so no run can charge them
    meanwhile."""
    lines = list(note.lines.values_list("open_transaction_id", "period_start", "period_end"))
    invoice_ids = sorted({line[0] for line in lines})
    open_transactions_for_update(invoice_ids)
    overlap = Q()
    for invoice_id, start, end in lines:
        overlap |= Q(open_transaction_id=invoice_id, period_start__lte=end, period_end__gte=start)
    clash = (
        InterestNoteLine.objects.filter(overlap, charged=True)
        .exclude(note=note)
        .select_related("note")
        .order_by("note_id", "period_start")
        .first()
        if lines
        else None
    )
    if clash is not None:
        raise InterestChargedAgain(
            f"Interest note {note.pk} cannot be reinstated: interest note "
            f"{clash.note.number or clash.note.pk} has charged {clash.document_number} again "
            f"from {clash.period_start} to {clash.period_end}.",
            field="status",
        )


def _simple_transition(note: InterestNote, to: str, actor: Actor, action: str, reason: str = ""):
    note = _locked(note, actor)
    old = _transition(note, to)
    if to == Status.DRAFT:
        _charged_again(note)
    _lines_charged(note, charged=to not in NOT_CHARGED)
    note.save(update_fields=["status"])
    changes = {"status": (old, note.status)}
    if reason:
        changes["reason"] = (None, reason[:200])
    audit_record(
        actor=actor, action=action, obj=note, changes=changes, legal_entity=note.legal_entity
    )
    return note


@transaction.atomic
def interest_note_waive(*, note: InterestNote, actor: Actor, reason: str = "") -> InterestNote:
    """Waive a draft note: nothing is posted, and its days count as not charged, so the next run
    charges them again (see ``receivables.interest``)."""
    return _simple_transition(note, Status.WAIVED, actor, "interest_note.waived", reason)


@transaction.atomic
def interest_note_reinstate(*, note: InterestNote, actor: Actor) -> InterestNote:
    """Bring a waived note back to draft, to be posted after all; refused once a later note has
    charged one of its days again."""
    return _simple_transition(note, Status.DRAFT, actor, "interest_note.reinstated")


@transaction.atomic
def interest_note_reverse(
    *, note: InterestNote, actor: Actor, on: date | None = None
) -> InterestNote:
    """Reverse a posted note nothing has settled: the mirror voucher, the open debit closed; its
    days count as not charged, so the next run charges them again."""
    note = _locked(note, actor)
    old = _transition(note, Status.REVERSED)
    _lines_charged(note, charged=False)
    if note.voucher is None:  # a note of total zero booked nothing
        note.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="interest_note.reversed",
            obj=note,
            changes={"status": (old, note.status)},
            legal_entity=note.legal_entity,
        )
        return note
    reversal = unsettled_reverse(
        open_transaction=open_transaction_of_document_locked(interest_note=note),
        voucher=note.voucher,
        what=f"Interest note {note.number}",
        field="note",
        source_key=f"interest-note-reversal:{note.number}",
        actor=actor,
        on=on,
    )
    note.reversal_voucher = reversal
    note.save(update_fields=["status", "reversal_voucher"])
    audit_record(
        actor=actor,
        action="interest_note.reversed",
        obj=note,
        changes={"status": (old, note.status), "reversal_voucher": (None, reversal.number)},
        legal_entity=note.legal_entity,
    )
    return note
