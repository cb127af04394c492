"""What stands in the way of closing accounts receivable for a fiscal period of a legal entity
(Dynamics 365's period close checklist for AR), read without writing anything:

- drafts dated in the period: invoices, credit notes, payments, interest notes (each would
  post into the period, which a closed period refuses);
- the customer-balance account's ledger balance at the period end not equal to the open
  items' accounting amounts at the period end;
- what is registered (``ar_close_blocker_register``): this room's payment journals not posted
  with lines dated in the period (``journal_selectors.payment_journals_blocking``), the banking
  room's bank statements with lines dated in the period that are not reconciled.

The open items at the period end are computed as of that date, not as they stand today: each
open transaction dated on or before it, less what was taken off it by a movement dated on or
before it. This room knows its own movements (a payment, an interest note or a protested bill
reversed before anything settled it: its voucher's reversal closes it on the reversal's date);
the rooms that settle or write off register what they took off as of a date
(``open_items_taken_register``), given back when they were reversed: settlement and the
collections room's write-offs.

Closing the period is ``receivables.services.ar_close``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.urls import reverse

from core.aggregates import DecimalSum
from core.money import ZERO, format_amount
from entities.models import LegalEntity
from ledger.models import FiscalPeriod, LedgerEntry, PostingType
from ledger.selectors import posting_account

from .models import CreditNote, InterestNote, Invoice, OpenTransaction, Payment


@dataclass(frozen=True)
class ArCloseBlocker:
    """One thing to clear before the period closes: what it is, why, and where to clear it."""

    kind: str
    message: str
    url: str = ""
    object_id: int | None = None


# Rooms above register a source of blockers: given the entity and the period, its blockers.
BlockerSource = Callable[[LegalEntity, FiscalPeriod], list[ArCloseBlocker]]
_blocker_sources: list[BlockerSource] = []

# Rooms above that take amounts off open transactions register what they took off (net of
# what they gave back) the entity's transactions dated on or before a date, by movements dated
# on or before it: in accounting currency, signed like the transactions (debit positive).
TakenSource = Callable[[LegalEntity, date], Decimal]
_taken_sources: list[TakenSource] = []


def ar_close_blocker_register(source: BlockerSource) -> None:
    _blocker_sources.append(source)


def open_items_taken_register(source: TakenSource) -> None:
    _taken_sources.append(source)


def ar_close_blockers(*, legal_entity: LegalEntity, period: FiscalPeriod) -> list[ArCloseBlocker]:
    """Everything that stands in the way of closing ``period`` of ``legal_entity``, drafts
    first, then the customer balance, then what the rooms above register."""
    blockers = _drafts(legal_entity, period)
    balance = customer_balance_check(legal_entity=legal_entity, on=period.end)
    if balance is not None:
        blockers.append(balance)
    for source in _blocker_sources:
        blockers += source(legal_entity, period)
    return blockers


def _drafts(entity: LegalEntity, period: FiscalPeriod) -> list[ArCloseBlocker]:
    in_period = Q(legal_entity=entity, date__gte=period.start, date__lte=period.end)
    blockers = []
    for model, kind, label, url_name in (
        (Invoice, "draft_invoice", "Invoice", "invoices-detail"),
        (CreditNote, "draft_credit_note", "Credit note", "credit_notes-detail"),
    ):
        for document in (
            model.objects.filter(in_period, status="draft")
            .select_related("customer")
            .order_by("date", "pk")
        ):
            blockers.append(
                ArCloseBlocker(
                    kind=kind,
                    message=f"{label} draft {document.pk} of {document.date} (customer "
                    f"{document.customer.account}, "
                    f"{format_amount(document.total, document.currency)} {document.currency}) "
                    "is not posted.",
                    url=reverse(url_name, args=[document.pk]),
                    object_id=document.pk,
                )
            )
    for payment in (
        Payment.objects.filter(in_period, status="draft", journal__isnull=True)
        .select_related("customer")
        .order_by("date", "pk")
    ):
        blockers.append(
            ArCloseBlocker(
                kind="draft_payment",
                message=f"Payment draft {payment.pk} of {payment.date} (customer "
                f"{payment.customer.account}, {format_amount(payment.amount, payment.currency)} "
                f"{payment.currency}) is not posted.",
                url=reverse("payment-list"),
                object_id=payment.pk,
            )
        )
    for note in (
        InterestNote.objects.filter(in_period, status=InterestNote.Status.DRAFT)
        .select_related("customer")
        .order_by("date", "pk")
    ):
        blockers.append(
            ArCloseBlocker(
                kind="draft_interest_note",
                message=f"Interest note draft {note.pk} of {note.date} (customer "
                f"{note.customer.account}) is neither posted nor waived.",
                url=reverse("interest-note-detail", args=[note.pk]),
                object_id=note.pk,
            )
        )
    return blockers


@dataclass(frozen=True)
class CustomerBalance:
    """The customer-balance account against the open items, as of a date."""

    account: str
    ledger_balance: Decimal
    open_items: Decimal

    @property
    def difference(self) -> Decimal:
        return self.ledger_balance - self.open_items


def customer_balance_as_of(*, legal_entity: LegalEntity, on: date) -> CustomerBalance | None:
    """The ledger balance of the entity's customer-balance account (entries dated on or before
    ``on``) and the open items' accounting amounts at the end of ``on``; None when the posting
    setup names no customer-balance account."""
    account = posting_account(legal_entity=legal_entity, posting_type=PostingType.CUSTOMER_BALANCE)
    if account is None:
        return None
    ledger = LedgerEntry.objects.filter(
        legal_entity=legal_entity, account=account, date__lte=on
    ).aggregate(total=DecimalSum("accounting_amount"))["total"]
    return CustomerBalance(
        account=f"{account.number} {account.name}",
        ledger_balance=ledger or ZERO,
        open_items=open_items_accounting_as_of(legal_entity=legal_entity, on=on),
    )


def open_items_accounting_as_of(*, legal_entity: LegalEntity, on: date) -> Decimal:
    """The open accounting amounts of the entity's open transactions at the end of ``on``:
    those dated on or before it, less what movements dated on or before it took off them."""
    mine = OpenTransaction.objects.filter(legal_entity=legal_entity, date__lte=on)
    booked = mine.aggregate(total=DecimalSum("accounting_amount"))["total"] or ZERO
    # A document reversed before anything settled it is closed whole on its reversal's date.
    reversed_ = (
        mine.filter(voucher__reversed_by__date__lte=on).aggregate(
            total=DecimalSum("accounting_amount")
        )["total"]
        or ZERO
    )
    taken = sum((source(legal_entity, on) for source in _taken_sources), ZERO)
    return booked - reversed_ - taken


def customer_balance_check(*, legal_entity: LegalEntity, on: date) -> ArCloseBlocker | None:
    balance = customer_balance_as_of(legal_entity=legal_entity, on=on)
    if balance is None or balance.difference == 0:
        return None
    currency = legal_entity.accounting_currency
    return ArCloseBlocker(
        kind="customer_balance",
        message=f"On {on} the customer-balance account {balance.account} has a balance of "
        f"{format_amount(balance.ledger_balance, currency)} {currency} and the open items "
        f"{format_amount(balance.open_items, currency)} {currency}: a difference of "
        f"{format_amount(balance.difference, currency)} {currency}.",
        url=reverse("trial-balance", args=[legal_entity.code]) + f"?date_to={on.isoformat()}",
    )
