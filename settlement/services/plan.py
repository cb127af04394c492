"""What a settlement does, computed before (or without) writing it: the marked lines checked
against the open transactions read (under lock for a settlement, without for a preview), the
allocation of cash, discount and difference, and the vouchers it would post."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import OperationalError
from django.utils.translation import gettext

from core.audit import Actor
from core.money import ZERO
from entities.selectors import RateBook, user_can_act_in
from ledger.services import VoucherInput
from receivables.discounts import cash_discount_available
from receivables.models import OpenTransaction

from ..exceptions import SettlementConflict, SettlementInvalid, TransactionChanged
from ..selectors import Schedule, open_transactions_for_settlement
from .allocation import Item, Pairing, allocate
from .posting import Valued, build_vouchers

LOCK_NOT_AVAILABLE = "55P03"


@dataclass(frozen=True)
class SettlementLineInput:
    transaction: int  # open transaction id
    amount: Decimal | None = None  # cash part to settle (magnitude)
    cash_discount: Decimal | None = None  # discount to take on a debit (magnitude)
    full_settlement: bool = False


@dataclass
class SettlementPlan:
    """What a settlement does, before or without writing it."""

    items: list[Item]
    transactions: dict[int, OpenTransaction]
    pairings: list[Pairing]
    vouchers: list[VoucherInput]
    values: dict[int, Valued]
    fx_by_transaction: dict[int, Decimal]

    def item(self, transaction_id: int) -> Item:
        return next(i for i in self.items if i.key == transaction_id)


def transactions_read(
    ids: list[int], *, lock: bool
) -> tuple[dict[int, OpenTransaction], dict[int, Schedule]]:
    """The open transactions and their discount schedules, locked when ``lock``."""
    try:
        # Rows are locked in primary-key order without waiting: a settlement that finds one of
        # its transactions held by another is refused at once (409), never deadlocked.
        return open_transactions_for_settlement(ids, lock=lock)
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise SettlementConflict(
                gettext("Another settlement is changing these transactions right now; try again."),
                field="lines",
            ) from None
        raise


def _item(
    ot: OpenTransaction,
    schedule: Schedule,
    line: SettlementLineInput,
    on: date,
    primary_id,
) -> Item:
    entity = ot.legal_entity
    is_debit = ot.amount > 0
    open_amount = abs(ot.open_amount)
    offer = cash_discount_available(
        periods=schedule,
        on=on,
        open_amount=open_amount,
        amount=abs(ot.amount),
        amount_before_tax=abs(ot.amount_before_tax),
        base_includes_tax=entity.cash_discount_base_includes_tax,
        currency=ot.currency,
    )
    return Item(
        key=ot.pk,
        is_debit=is_debit,
        is_payment=ot.kind == OpenTransaction.Kind.PAYMENT,
        currency=ot.currency,
        open=open_amount,
        due_date=ot.due_date,
        date=ot.date,
        number=ot.document_number,
        amount=abs(ot.amount),
        discount_available=offer.amount if offer else ZERO,
        discount_rate=offer.rate if offer else ZERO,
        partial_discount_allowed=entity.cash_discount_on_partial_payments,
        max_underpayment=entity.max_underpayment,
        max_overpayment=entity.max_overpayment,
        rate=ot.rate,
        accounting_currency=entity.accounting_currency,
        amount_given=line.amount,
        discount_given=line.cash_discount,
        full_settlement=line.full_settlement,
        primary=ot.pk == primary_id,
    )


def check_lines(lines: list[SettlementLineInput]) -> list[int]:
    """The marked transaction ids, each marked once."""
    if not lines:
        raise SettlementInvalid(gettext("Mark the transactions to settle."), field="lines")
    ids = [line.transaction for line in lines]
    if len(set(ids)) != len(ids):
        raise SettlementInvalid(gettext("A transaction is marked twice."), field="lines")
    return ids


def _check_together(ids: list[int], transactions: dict[int, OpenTransaction], actor: Actor) -> None:
    """The marked transactions exist for the user and can be settled together: one party, one
    currency."""
    # Another entity's transaction answers as one that does not exist: ids and document
    # numbers of entities the user is not granted cannot be probed.
    missing = [
        i
        for i in ids
        if i not in transactions or not user_can_act_in(actor, transactions[i].legal_entity_id)
    ]
    if missing:
        raise SettlementInvalid(
            gettext("Open transaction %(transaction)s does not exist.")
            % {"transaction": missing[0]},
            field="lines",
        )
    parties = {ot.party_id for ot in transactions.values()}
    if len(parties) > 1:
        numbers = sorted({ot.party.number for ot in transactions.values()})
        raise SettlementInvalid(
            gettext(
                "The transactions belong to different parties (%(parties)s); a settlement "
                "closes transactions of one party."
            )
            % {"parties": ", ".join(numbers)},
            field="lines",
        )
    currencies = {ot.currency for ot in transactions.values()}
    if len(currencies) > 1:
        raise SettlementInvalid(
            gettext(
                "The transactions are in different currencies (%(currencies)s); settle "
                "transactions of one currency together."
            )
            % {"currencies": ", ".join(sorted(currencies))},
            field="lines",
        )


def _check_settleable(
    transactions: dict[int, OpenTransaction], on: date, primary: int | None
) -> None:
    """Each transaction is still open on the settlement date; the primary is a marked payment."""
    for ot in transactions.values():
        if ot.open_amount == 0:
            raise TransactionChanged(
                gettext("Transaction %(document)s is closed: it was settled meanwhile.")
                % {"document": ot.document_number},
                transaction=ot.pk,
                document_number=ot.document_number,
                open_amount=ot.open_amount,
                currency=ot.currency,
            )
        if on < ot.date:
            raise SettlementInvalid(
                gettext("The settlement date %(on)s is before the date of %(document)s (%(date)s).")
                % {"on": on, "document": ot.document_number, "date": ot.date},
                field="date",
            )
    if primary is not None:
        chosen = transactions.get(primary)
        if chosen is None or chosen.kind != OpenTransaction.Kind.PAYMENT:
            raise SettlementInvalid(
                gettext("The primary payment must be one of the marked payments."),
                field="primary_payment",
            )


def settlement_plan(
    *,
    lines: list[SettlementLineInput],
    on: date,
    primary: int | None,
    actor: Actor,
    lock: bool,
) -> SettlementPlan:
    """Read and check the marked transactions, allocate, and build the vouchers."""
    ids = check_lines(lines)
    transactions, schedules = transactions_read(ids, lock=lock)
    return plan_of_read(
        lines=lines,
        transactions=transactions,
        schedules=schedules,
        on=on,
        primary=primary,
        actor=actor,
        rates=RateBook(),
    )


def plan_of_read(
    *,
    lines: list[SettlementLineInput],
    transactions: dict[int, OpenTransaction],
    schedules: dict[int, Schedule],
    on: date,
    primary: int | None,
    actor: Actor,
    rates: RateBook,
) -> SettlementPlan:
    """The plan of one settlement from transactions already read (``transactions`` may hold
    others too: only the marked ones are taken)."""
    ids = check_lines(lines)
    marked = {i: transactions[i] for i in ids if i in transactions}
    _check_together(ids, marked, actor)
    _check_settleable(marked, on, primary)
    items = [
        _item(marked[line.transaction], schedules[line.transaction], line, on, primary)
        for line in lines
    ]
    pairings = allocate(items)
    vouchers, values, fx = build_vouchers(
        settlement_date=on,
        items=items,
        transactions=marked,
        pairings=pairings,
        primary=marked.get(primary) if primary else None,
        rates=rates,
        source="settlement",
        description="Settlement",
    )
    return SettlementPlan(items, marked, pairings, vouchers, values, fx)


def settlement_preview(
    *, lines: list[SettlementLineInput], on: date, primary: int | None, actor: Actor
) -> SettlementPlan:
    """What settling would do, without locking or writing anything."""
    return settlement_plan(lines=lines, on=on, primary=primary, actor=actor, lock=False)
