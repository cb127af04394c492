"""Interest notes: calculated by a job for the overdue invoices of
chosen legal entities as of a date, one note per customer and currency with a line per invoice
and rate period; reviewed, waived or posted (customer balance Dr / interest Cr) as an open debit;
a posted note reversed, a waived one reinstated. The day-count rule is in
``receivables.interest``."""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from core.audit import Actor, audit_record
from core.money import convert
from entities.selectors import RateBook
from entities.services import ensure_can_act
from ledger.models import PostingType
from ledger.services import (
    VoucherInput,
    VoucherLineInput,
    numbers_take,
    voucher_post,
)

from ..exceptions import InterestChargedAgain, InvalidTransition
from ..models import InterestNote, InterestNoteLine, OpenTransaction
from ..selectors import open_transactions_for_update
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
        what=gettext("Interest note %(number)s") % {"number": note.number},
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
