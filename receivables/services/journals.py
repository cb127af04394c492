"""Payment journals kept as drafts (Dynamics 365's and Business Central's cash receipt journal):
created and changed line by line or all at once, validated on demand with every problem of
every line reported together, and posted whole through ``payments_post``: every line a
payment, or nothing.

A line may mark open debits of its customer's party to settle with its payment. Settling sits
above this room: the settlement room registers the settler (``journal_settler_register``) that
posts those settlements inside the journal's transaction, so that a refused settlement leaves
no payment behind either.

Blank lines (no customer, amount, currency, reference or marks: the date and the method are
filled in for every new line) are dropped when lines are saved, so they never stand in the way.
Posting a posted journal returns it as it is: the journal row is locked first, so two clerks
(or a retried API call) posting the same journal at once post it once.

The module holds the journal's writes and its validation together (about 660 lines, the
translated refusals a good part of them): posting runs the same checks as ``journal_validate``
under the journal's lock, and the checks read the lines as the writes build them. Its
validation (``_check``, ``_check_marks``, ``_by_line``) is the part to move into a module of its
own when it grows.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from core.audit import Actor, audit_record
from core.errors import ApplicationError, InvalidInput
from core.money import currency_is_known, format_amount, has_valid_precision
from entities.exceptions import ExchangeRateMissing
from entities.models import Customer, LegalEntity
from entities.selectors import RateBook, user_can_act_in
from entities.services import ensure_can_act
from ledger.models import FiscalPeriod
from ledger.selectors import fiscal_period_containing

from ..exceptions import InvalidTransition
from ..models import (
    DocumentStatus,
    OpenTransaction,
    Payment,
    PaymentJournal,
    PaymentJournalLine,
    PaymentJournalMark,
)
from .payments import MAX_PAYMENTS_PER_CALL, PaymentInput, payments_post

MAX_LINES = MAX_PAYMENTS_PER_CALL


@dataclass(frozen=True)
class JournalMarkInput:
    transaction: int  # open transaction id
    amount: Decimal | None = None  # cash to settle on it; None: as much as both sides allow


@dataclass(frozen=True)
class JournalLineInput:
    customer: Customer | None = None
    date: dt.date | None = None
    amount: Decimal | None = None
    currency: str = ""
    method: str = Payment.Method.ELECTRONIC
    reference: str = ""
    marks: Sequence[JournalMarkInput] = ()

    @property
    def is_blank(self) -> bool:
        return (
            self.customer is None
            and self.amount is None
            and not self.currency.strip()
            and not self.reference.strip()
            and not self.marks
        )


@dataclass
class JournalCheck:
    """What stands in the way of posting: per line number, per field, the problems in words,
    and the journal's own."""

    lines: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    journal: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.lines and not self.journal

    @property
    def count(self) -> int:
        return len(self.journal) + sum(
            len(problems) for fields in self.lines.values() for problems in fields.values()
        )

    def add(self, position: int, name: str, message: str) -> None:
        self.lines.setdefault(position, {}).setdefault(name, []).append(message)

    def fields(self) -> dict:
        out: dict = {}
        if self.lines:
            out["lines"] = {str(p): f for p, f in sorted(self.lines.items())}
        if self.journal:
            out["journal"] = list(self.journal)
        return out

    def error(self) -> InvalidInput:
        if self.journal:
            first = self.journal[0]
        else:
            position = min(self.lines)
            first = line_message(position, next(iter(self.lines[position].values()))[0])
        more = self.count - 1
        suffix = (
            " "
            + ngettext("(%(count)d more problem)", "(%(count)d more problems)", more)
            % {"count": more}
            if more
            else ""
        )
        return InvalidInput(first + suffix, code="journal_invalid", fields=self.fields())


# The settlement room registers the function that settles the marked lines of a journal being
# posted: given the lines with their new payments, it settles each, inside the transaction.
JournalSettler = Callable[..., None]
_settlers: list[JournalSettler] = []


def journal_settler_register(settler: JournalSettler) -> None:
    _settlers.append(settler)


@dataclass(frozen=True)
class MarkedLine:
    """A posted journal line with marks, handed to the settler."""

    position: int
    payment: Payment
    on: date
    marks: list[PaymentJournalMark]


# --- writes -------------------------------------------------------------------------------


@transaction.atomic
def journal_create(
    *,
    legal_entity: LegalEntity,
    actor: Actor,
    description: str = "",
    lines: Sequence[JournalLineInput] = (),
) -> PaymentJournal:
    """A draft payment journal with its lines (blank ones dropped)."""
    ensure_can_act(actor, legal_entity)
    journal = PaymentJournal.objects.create(
        legal_entity=legal_entity,
        description=description.strip()[:200],
        created_by=_user(actor),
    )
    _lines_write(journal, lines, actor, start=1)
    audit_record(
        actor=actor, action="payment_journal.created", obj=journal, legal_entity=legal_entity
    )
    return journal


@transaction.atomic
def journal_update(
    *,
    journal: PaymentJournal,
    actor: Actor,
    description: str | None = None,
    lines: Sequence[JournalLineInput] | None = None,
) -> PaymentJournal:
    """Change a draft's description and/or replace all its lines (the page's Save)."""
    journal = _draft_locked(journal, actor)
    changes = {}
    if description is not None and description.strip()[:200] != journal.description:
        changes["description"] = (journal.description, description.strip()[:200])
        journal.description = description.strip()[:200]
    if lines is not None:
        before = journal.lines.count()
        journal.lines.all().delete()
        after = len(_lines_write(journal, lines, actor, start=1))
        if before != after:
            changes["lines"] = (before, after)
    journal.save()
    audit_record(
        actor=actor,
        action="payment_journal.changed",
        obj=journal,
        changes=changes,
        legal_entity=journal.legal_entity,
    )
    return journal


@transaction.atomic
def journal_line_add(
    *, journal: PaymentJournal, data: JournalLineInput, actor: Actor
) -> PaymentJournalLine:
    """A line at the end of a draft journal (a blank line is refused: it would be dropped)."""
    journal = _draft_locked(journal, actor)
    if data.is_blank:
        raise InvalidInput(gettext("The line is blank: give at least a customer or an amount."))
    last = journal.lines.aggregate(last=Max("position"))["last"] or 0
    (line,) = _lines_write(journal, [data], actor, start=last + 1)
    journal.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        action="payment_journal.line_added",
        obj=journal,
        changes={"line": (None, line.position)},
        legal_entity=journal.legal_entity,
    )
    return line


@transaction.atomic
def journal_line_update(
    *, line: PaymentJournalLine, data: JournalLineInput, actor: Actor
) -> PaymentJournalLine:
    """Replace what a draft journal's line holds."""
    journal = _draft_locked(line.journal, actor)
    line = journal.lines.get(pk=line.pk)
    if data.is_blank:
        raise InvalidInput(gettext("The line is blank: delete it instead."))
    _marks_check_access(data, actor)
    _check_customer_entity(data, journal.legal_entity)
    _line_fill(line, data)
    line.save()
    line.marks.all().delete()
    PaymentJournalMark.objects.bulk_create(_marks_build(line, data))
    journal.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        action="payment_journal.line_changed",
        obj=journal,
        changes={"line": (line.position, line.position)},
        legal_entity=journal.legal_entity,
    )
    return line


@transaction.atomic
def journal_line_delete(*, line: PaymentJournalLine, actor: Actor) -> PaymentJournal:
    """Remove a draft journal's line; the lines after it move up one number."""
    journal = _draft_locked(line.journal, actor)
    line = journal.lines.get(pk=line.pk)
    position = line.position
    line.delete()
    following = list(journal.lines.filter(position__gt=position).order_by("position"))
    for other in following:
        other.position -= 1
        other.save(update_fields=["position"])
    journal.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        action="payment_journal.line_deleted",
        obj=journal,
        changes={"line": (position, None)},
        legal_entity=journal.legal_entity,
    )
    return journal


@transaction.atomic
def journal_delete(*, journal: PaymentJournal, actor: Actor) -> None:
    """Delete a draft journal, its lines and their marks: nothing was posted from it. A posted
    journal is refused: its payments are posted documents, reversed on their own."""
    journal = _draft_locked(journal, actor)
    audit_record(
        actor=actor,
        action="payment_journal.deleted",
        obj=journal,
        changes={
            "lines": (journal.lines.count(), None),
            "description": (journal.description, None),
        },
        legal_entity=journal.legal_entity,
    )
    journal.delete()


@transaction.atomic
def journal_post(*, journal: PaymentJournal, actor: Actor) -> PaymentJournal:
    """Post every line of the journal as a payment, and settle what the lines mark, all in one
    transaction or nothing. A journal already posted is returned as it is."""
    journal = _locked(journal, actor)
    if journal.status == DocumentStatus.POSTED:
        return journal
    lines = _lines_read(journal)
    check = _check(journal, lines, actor)
    if not check.ok:
        raise check.error()
    inputs = [
        PaymentInput(
            legal_entity=journal.legal_entity,
            customer=line.customer,
            date=line.date,
            amount=line.amount,
            currency=line.currency or None,
            method=line.method,
            reference=line.reference,
        )
        for line in lines
    ]
    try:
        payments = payments_post(inputs=inputs, actor=actor, journal=journal, errors_by_index=True)
    except ApplicationError as error:
        raise _by_line(error, lines) from None
    for line, payment in zip(lines, payments, strict=True):
        line.payment = payment
    PaymentJournalLine.objects.bulk_update(lines, ["payment"])
    marked = [
        MarkedLine(
            position=line.position, payment=line.payment, on=line.date, marks=line.marks_read
        )
        for line in lines
        if line.marks_read
    ]
    if marked:
        if not _settlers:
            raise InvalidInput(
                gettext("Marked transactions cannot be settled here."), field="settle"
            )
        for settler in _settlers:
            settler(lines=marked, actor=actor)
    status = journal.status
    journal.status = DocumentStatus.POSTED
    journal.posted_at = timezone.now()
    journal.posted_by = _user(actor)
    journal.save(update_fields=["status", "posted_at", "posted_by", "updated_at"])
    audit_record(
        actor=actor,
        action="payment_journal.posted",
        obj=journal,
        changes={"status": (status, DocumentStatus.POSTED), "payments": (0, len(payments))},
        legal_entity=journal.legal_entity,
    )
    return journal


def settle_error_on_line(error: ApplicationError, position: int) -> ApplicationError:
    """A settlement refused for a journal line, named by that line (its status kept: a
    conflict stays a conflict)."""
    return ApplicationError(
        line_message(position, error.message),
        code=error.code,
        http_status=error.http_status,
        fields={"lines": {str(position): {"settle": [error.message]}}},
    )


def line_message(position: int, message: str) -> str:
    """A problem of a journal line, named by the line's number."""
    return gettext("Line %(position)s: %(message)s") % {"position": position, "message": message}


# --- reads --------------------------------------------------------------------------------


def journal_validate(*, journal: PaymentJournal, actor: Actor) -> JournalCheck:
    """Every problem that would stop the journal from posting, all at once, without writing."""
    ensure_can_act(actor, journal.legal_entity)
    return _check(journal, _lines_read(journal), actor)


# --- helpers ------------------------------------------------------------------------------


def _user(actor: Actor):
    return actor if actor is not None and actor.is_authenticated else None


def _locked(journal: PaymentJournal, actor: Actor) -> PaymentJournal:
    locked = (
        PaymentJournal.objects.select_for_update(of=("self",))
        .select_related("legal_entity")
        .get(pk=journal.pk)
    )
    ensure_can_act(actor, locked.legal_entity)
    return locked


def _draft_locked(journal: PaymentJournal, actor: Actor) -> PaymentJournal:
    locked = _locked(journal, actor)
    if locked.status != DocumentStatus.DRAFT:
        raise InvalidTransition(
            gettext("Payment journal %(journal)s is posted: it cannot be changed.")
            % {"journal": locked.pk},
            field="status",
        )
    return locked


def _check_customer_entity(data: JournalLineInput, entity: LegalEntity) -> None:
    if data.customer is not None and data.customer.legal_entity_id != entity.pk:
        raise InvalidInput(
            _not_a_customer(data.customer, entity),
            field="customer",
        )


def _not_a_customer(customer: Customer, entity: LegalEntity) -> str:
    return gettext("Customer %(customer)s is not a customer of %(entity)s.") % {
        "customer": customer.account,
        "entity": entity.code,
    }


def _marks_check_access(data: JournalLineInput, actor: Actor) -> None:
    """A mark names an open transaction the actor may see: one of another entity's is refused
    as if it did not exist."""
    ids = [m.transaction for m in data.marks]
    found = dict(OpenTransaction.objects.filter(pk__in=ids).values_list("pk", "legal_entity_id"))
    for pk in ids:
        if pk not in found or not user_can_act_in(actor, found[pk]):
            raise InvalidInput(
                gettext("No open transaction %(transaction)s.") % {"transaction": pk},
                field="settle",
            )
    if len(set(ids)) != len(ids):
        raise InvalidInput(gettext("A transaction is marked twice on the line."), field="settle")


def _line_fill(line: PaymentJournalLine, data: JournalLineInput) -> None:
    line.customer = data.customer
    line.date = data.date
    line.amount = data.amount
    line.currency = data.currency.strip().upper()[:3]
    line.method = data.method
    line.reference = data.reference.strip()[:60]


def _marks_build(line: PaymentJournalLine, data: JournalLineInput) -> list[PaymentJournalMark]:
    return [
        PaymentJournalMark(line=line, open_transaction_id=m.transaction, amount=m.amount)
        for m in data.marks
    ]


def _lines_write(
    journal: PaymentJournal, lines: Sequence[JournalLineInput], actor: Actor, *, start: int
) -> list[PaymentJournalLine]:
    kept = [data for data in lines if not data.is_blank]
    if journal.lines.count() + len(kept) > MAX_LINES:
        raise InvalidInput(
            gettext("At most %(count)s lines in one journal.") % {"count": MAX_LINES},
            field="lines",
        )
    written = []
    for offset, data in enumerate(kept):
        _check_customer_entity(data, journal.legal_entity)
        _marks_check_access(data, actor)
        line = PaymentJournalLine(journal=journal, position=start + offset)
        _line_fill(line, data)
        written.append(line)
    PaymentJournalLine.objects.bulk_create(written)
    marks = [m for line, data in zip(written, kept, strict=True) for m in _marks_build(line, data)]
    PaymentJournalMark.objects.bulk_create(marks)
    return written


def _lines_read(journal: PaymentJournal) -> list[PaymentJournalLine]:
    lines = list(
        journal.lines.select_related("customer__party", "customer__legal_entity").order_by(
            "position"
        )
    )
    marks = (
        PaymentJournalMark.objects.filter(line__journal=journal)
        .select_related("open_transaction__legal_entity", "open_transaction__party")
        .order_by("id")
    )
    by_line: dict[int, list[PaymentJournalMark]] = {}
    for mark in marks:
        by_line.setdefault(mark.line_id, []).append(mark)
    for line in lines:
        line.marks_read = by_line.get(line.pk, [])
    return lines


def _check(journal: PaymentJournal, lines: list[PaymentJournalLine], actor: Actor) -> JournalCheck:
    check = JournalCheck()
    if not lines:
        check.journal.append(gettext("The journal has no lines: enter at least one payment."))
        return check
    entity = journal.legal_entity
    rates = RateBook()
    periods: dict[date, FiscalPeriod | None] = {}
    marked_on: dict[int, int] = {}
    for line in lines:
        p = line.position
        customer = line.customer
        if customer is None:
            check.add(p, "customer", gettext("Choose a customer."))
        elif customer.legal_entity_id != entity.pk:
            check.add(p, "customer", _not_a_customer(customer, entity))
        elif customer.blocked:
            check.add(
                p,
                "customer",
                gettext("Customer %(customer)s in %(entity)s is blocked.")
                % {"customer": customer.account, "entity": entity.code},
            )
        currency = line.currency or (customer.currency if customer is not None else "")
        if line.currency and not currency_is_known(line.currency):
            check.add(
                p,
                "currency",
                gettext("Unknown currency %(currency)s: use an ISO code like EUR.")
                % {"currency": repr(line.currency)},
            )
            currency = ""
        if line.date is None:
            check.add(p, "date", gettext("Enter the payment date."))
        else:
            if line.date not in periods:
                periods[line.date] = fiscal_period_containing(legal_entity=entity, on=line.date)
            period = periods[line.date]
            if period is None:
                check.add(
                    p,
                    "date",
                    gettext(
                        "Legal entity %(entity)s has no fiscal period containing %(date)s: "
                        "open the fiscal year %(year)s first."
                    )
                    % {"entity": entity.code, "date": line.date, "year": line.date.year},
                )
            elif period.status != FiscalPeriod.Status.OPEN:
                check.add(
                    p,
                    "date",
                    gettext(
                        "The fiscal period of %(entity)s containing %(date)s is %(status)s: "
                        "nothing can be posted into it."
                    )
                    % {
                        "entity": entity.code,
                        "date": line.date,
                        "status": str(FiscalPeriod.Status(period.status).label).lower(),
                    },
                )
            if currency:
                try:
                    rates.get(currency, entity.accounting_currency, line.date)
                except ExchangeRateMissing as error:
                    check.add(p, "currency", error.message)
        if line.amount is None:
            check.add(p, "amount", gettext("Enter the amount received."))
        elif line.amount <= 0:
            check.add(p, "amount", gettext("The amount must be greater than zero."))
        elif currency and not has_valid_precision(line.amount, currency):
            typed = format(line.amount.normalize(), "f")
            check.add(
                p,
                "amount",
                gettext("%(amount)s has more decimals than %(currency)s allows.")
                % {"amount": typed, "currency": currency},
            )
        if line.method not in Payment.Method.values:
            check.add(
                p,
                "method",
                gettext("Unknown payment method %(method)s.") % {"method": repr(line.method)},
            )
        _check_marks(check, line, customer, currency, actor, marked_on)
    return check


def _check_marks(
    check: JournalCheck,
    line: PaymentJournalLine,
    customer: Customer | None,
    currency: str,
    actor: Actor,
    marked_on: dict[int, int],
) -> None:
    p = line.position
    marked_total = Decimal(0)
    for mark in line.marks_read:
        ot = mark.open_transaction
        name = ot.document_number
        if not user_can_act_in(actor, ot.legal_entity_id):
            check.add(
                p,
                "settle",
                gettext("You may not act in legal entity %(code)s.")
                % {"code": ot.legal_entity.code},
            )
            continue
        if ot.pk in marked_on:
            check.add(
                p,
                "settle",
                gettext("%(document)s is marked on line %(position)s too.")
                % {"document": name, "position": marked_on[ot.pk]},
            )
        marked_on.setdefault(ot.pk, p)
        if customer is not None and ot.party_id != customer.party_id:
            check.add(
                p,
                "settle",
                gettext("%(document)s is not an open item of %(customer)s's party.")
                % {"document": name, "customer": customer.display_name},
            )
        if ot.open_amount <= 0:
            check.add(
                p,
                "settle",
                gettext("%(document)s is not an open invoice (nothing is left to pay).")
                % {"document": name},
            )
            continue
        if mark.amount is not None:
            marked_total += mark.amount
            if mark.amount > ot.open_amount:
                check.add(
                    p,
                    "settle",
                    gettext(
                        "%(marked)s is marked on %(document)s but only %(open)s %(currency)s "
                        "is open."
                    )
                    % {
                        "marked": format_amount(mark.amount, ot.currency),
                        "document": name,
                        "open": format_amount(ot.open_amount, ot.currency),
                        "currency": ot.currency,
                    },
                )
    if line.amount is not None and 0 < line.amount < marked_total and currency:
        check.add(
            p,
            "settle",
            gettext("The amounts marked (%(marked)s) are more than the payment (%(amount)s).")
            % {
                "marked": format_amount(marked_total, currency),
                "amount": format_amount(line.amount, currency),
            },
        )


def _by_line(error: ApplicationError, lines: list[PaymentJournalLine]) -> ApplicationError:
    """A refusal of ``payments_post`` (errors by payment index) named by journal line."""
    by_index = error.fields.get("payments") if isinstance(error.fields, dict) else None
    if not isinstance(by_index, dict) or not by_index:
        return error
    fields = {str(lines[int(i)].position): problems for i, problems in by_index.items()}
    first = min(fields, key=int)
    message = line_message(first, next(iter(fields[first].values()))[0])
    return ApplicationError(
        message, code=error.code, http_status=error.http_status, fields={"lines": fields}
    )
