"""Writes of the settlement room: ``settlement_create`` (one database transaction for every
voucher in every entity and every open-amount change), ``settlement_reverse``, and
``settlement_preview`` (the same computation without writing, for the Settle transactions page).
"""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db import OperationalError, transaction

from core import db
from core.audit import Actor, audit_record
from core.money import ZERO
from entities.selectors import RateBook, user_can_act_in
from entities.services import ensure_can_act
from ledger.services import VoucherInput, voucher_reverse, vouchers_post
from receivables.discounts import cash_discount_available, open_transaction_discount
from receivables.exceptions import OpenAmountExceeded
from receivables.models import OpenTransaction
from receivables.services import OpenAmountChange, open_transaction_reduce, open_transaction_restore

from ..exceptions import (
    SettlementAlreadyReversed,
    SettlementConflict,
    SettlementInvalid,
    TransactionChanged,
)
from ..models import Settlement, SettlementLine
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


def _lock(ids: list[int], *, lock: bool) -> tuple[dict[int, OpenTransaction], dict[int, Schedule]]:
    try:
        # Rows are locked in primary-key order without waiting: a settlement that finds one of
        # its transactions held by another is refused at once (409), never deadlocked.
        return open_transactions_for_settlement(ids, lock=lock)
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise SettlementConflict(
                "Another settlement is changing these transactions right now; try again.",
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


def discount_available(ot: OpenTransaction, on: date) -> Decimal:
    """The cash discount an open transaction offers on a date (signed like the transaction)."""
    offer = open_transaction_discount(ot, on=on)
    return offer.amount if offer else ZERO


def _plan(
    *,
    lines: list[SettlementLineInput],
    on: date,
    primary: int | None,
    actor: Actor,
    lock: bool,
) -> SettlementPlan:
    if not lines:
        raise SettlementInvalid("Mark the transactions to settle.", field="lines")
    ids = [line.transaction for line in lines]
    if len(set(ids)) != len(ids):
        raise SettlementInvalid("A transaction is marked twice.", field="lines")
    transactions, schedules = _lock(ids, lock=lock)
    # Another entity's transaction answers as one that does not exist: ids and document
    # numbers of entities the user is not granted cannot be probed.
    missing = [
        i
        for i in ids
        if i not in transactions or not user_can_act_in(actor, transactions[i].legal_entity_id)
    ]
    if missing:
        raise SettlementInvalid(f"Open transaction {missing[0]} does not exist.", field="lines")
    parties = {ot.party_id for ot in transactions.values()}
    if len(parties) > 1:
        numbers = sorted({ot.party.number for ot in transactions.values()})
        raise SettlementInvalid(
            f"The transactions belong to different parties ({', '.join(numbers)}); a "
            "settlement closes transactions of one party.",
            field="lines",
        )
    currencies = {ot.currency for ot in transactions.values()}
    if len(currencies) > 1:
        raise SettlementInvalid(
            f"The transactions are in different currencies ({', '.join(sorted(currencies))}); "
            "settle transactions of one currency together.",
            field="lines",
        )
    for ot in transactions.values():
        if ot.open_amount == 0:
            raise TransactionChanged(
                f"Transaction {ot.document_number} is closed: it was settled meanwhile.",
                transaction=ot.pk,
                document_number=ot.document_number,
                open_amount=ot.open_amount,
                currency=ot.currency,
            )
        if on < ot.date:
            raise SettlementInvalid(
                f"The settlement date {on} is before the date of {ot.document_number} ({ot.date}).",
                field="date",
            )
    if primary is not None:
        chosen = transactions.get(primary)
        if chosen is None or chosen.kind != OpenTransaction.Kind.PAYMENT:
            raise SettlementInvalid(
                "The primary payment must be one of the marked payments.",
                field="primary_payment",
            )
    items = [
        _item(transactions[line.transaction], schedules[line.transaction], line, on, primary)
        for line in lines
    ]
    pairings = allocate(items)
    rates = RateBook()
    vouchers, values, fx = build_vouchers(
        settlement_date=on,
        items=items,
        transactions=transactions,
        pairings=pairings,
        primary=transactions.get(primary) if primary else None,
        rates=rates,
        source="settlement",
        description="Settlement",
    )
    return SettlementPlan(items, transactions, pairings, vouchers, values, fx)


def settlement_preview(
    *, lines: list[SettlementLineInput], on: date, primary: int | None, actor: Actor
) -> SettlementPlan:
    """What settling would do, without locking or writing anything."""
    return _plan(lines=lines, on=on, primary=primary, actor=actor, lock=False)


@transaction.atomic
def settlement_create(
    *, lines: list[SettlementLineInput], on: date, primary: int | None, actor: Actor
) -> Settlement:
    """Settle marked open transactions of one party, in one database transaction."""
    plan = _plan(lines=lines, on=on, primary=primary, actor=actor, lock=True)
    any_ot = next(iter(plan.transactions.values()))
    created_by = actor if actor is not None and actor.is_authenticated else None
    created_at, created_at_db = db.now()
    # The settlement's own rows are written with one plain statement each (settlement, voucher
    # links, settlement lines; the audit row by ``audit_record``): this is the hot path of the
    # back office, and the ORM's insert machinery costs more than the statements.
    (pk,) = db.insert_rows(
        Settlement,
        _SETTLEMENT_COLUMNS,
        [
            (
                any_ot.party_id,
                on,
                any_ot.currency,
                primary,
                Settlement.Status.POSTED,
                created_by.pk if created_by is not None else None,
                created_at_db,
            )
        ],
        returning="id",
    )
    settlement = db.inserted(
        Settlement,
        id=pk,
        party=any_ot.party,
        date=on,
        currency=any_ot.currency,
        primary_payment_id=primary,
        status=Settlement.Status.POSTED,
        created_by=created_by,
        created_at=created_at,
    )
    changes, line_rows = [], []
    for item in plan.items:
        ot = plan.transactions[item.key]
        sign = 1 if item.is_debit else -1
        value = plan.values[item.key]
        if item.reduction:
            changes.append(OpenAmountChange(ot, sign * item.reduction, sign * value.total))
        line_rows.append(
            (
                pk,
                ot.pk,
                sign * item.cash,
                sign * item.discount,
                sign * item.difference,
                item.full_settlement,
                sign * item.reduction,
                sign * value.total,
                -plan.fx_by_transaction.get(item.key, ZERO),
            )
        )
    before = {change.open_transaction.pk: change.open_transaction.open_amount for change in changes}
    # Written before the vouchers: posting takes the entities' next voucher numbers, whose
    # rows stay locked until commit, so concurrent settlements wait on each other only for
    # what comes after.
    open_transaction_reduce(changes=changes, on=on)
    audit_changes = {
        change.open_transaction.document_number: (
            str(before[change.open_transaction.pk]),
            str(change.open_transaction.open_amount),
        )
        for change in changes
    }
    db.insert_rows(SettlementLine, _LINE_COLUMNS, line_rows)
    audit_record(
        actor=actor,
        action="settlement.posted",
        obj=settlement,
        changes=audit_changes,
        legal_entities={ot.legal_entity_id for ot in plan.transactions.values()}
        | {v.legal_entity.pk for v in plan.vouchers},
    )
    posted = vouchers_post(
        vouchers=[
            replace(v, source_key=f"settlement:{pk}:{v.legal_entity.code}") for v in plan.vouchers
        ],
        actor=actor,
    )
    db.insert_rows(
        Settlement.vouchers.through, ("settlement_id", "voucher_id"), [(pk, v.pk) for v in posted]
    )
    return settlement


_SETTLEMENT_COLUMNS = (
    "party_id",
    "date",
    "currency",
    "primary_payment_id",
    "status",
    "created_by_id",
    "created_at",
)
_LINE_COLUMNS = (
    "settlement_id",
    "open_transaction_id",
    "settled_amount",
    "cash_discount",
    "payment_difference",
    "full_settlement",
    "amount",
    "accounting_amount",
    "fx_difference",
)


@transaction.atomic
def reimburse(
    *,
    transaction_id: int,
    on: date,
    actor: Actor,
    amount: Decimal | None = None,
    method: str = "electronic",
    reference: str = "",
) -> Settlement:
    """Pay a customer's credit balance back: a refund (customer balance Dr / bank Cr) in the
    credit's entity and account, settled against the credit, in one transaction."""
    from receivables.services import PaymentInput, refund_post

    credit = _lock([transaction_id], lock=True)[0].get(transaction_id)
    if credit is None or not user_can_act_in(actor, credit.legal_entity_id):
        raise SettlementInvalid(
            f"Open transaction {transaction_id} does not exist.", field="transaction"
        )
    if credit.amount > 0 or credit.open_amount == 0:
        raise SettlementInvalid(
            f"Transaction {credit.document_number} is not an open credit: only a credit "
            "balance (payment or credit note) is reimbursed.",
            field="transaction",
        )
    amount = amount if amount is not None else -credit.open_amount
    if amount <= 0 or amount > -credit.open_amount:
        raise SettlementInvalid(
            f"The refund must be above zero and at most the open credit {-credit.open_amount}.",
            field="amount",
        )
    refund = refund_post(
        data=PaymentInput(
            legal_entity=credit.legal_entity,
            customer=credit.customer,
            date=on,
            amount=amount,
            currency=credit.currency,
            method=method,
            reference=reference or f"Reimbursement of {credit.document_number}",
        ),
        actor=actor,
    )
    return settlement_create(
        lines=[
            SettlementLineInput(credit.pk, amount=amount),
            SettlementLineInput(refund.open_transaction.pk),
        ],
        on=on,
        primary=None,
        actor=actor,
    )


@transaction.atomic
def settlement_reverse(*, settlement: Settlement, actor: Actor, on: date | None = None):
    """Post reversing vouchers and restore every open amount exactly."""
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.status != Settlement.Status.POSTED:
        raise SettlementAlreadyReversed(
            f"Settlement {settlement.pk} is already reversed.", field="settlement"
        )
    lines = list(settlement.lines.all())
    transactions, _ = _lock([line.open_transaction_id for line in lines], lock=True)
    for ot in transactions.values():
        ensure_can_act(actor, ot.legal_entity, field="settlement")
    reversal_date = on or settlement.date
    reversals = [
        voucher_reverse(
            voucher=voucher,
            actor=actor,
            on=reversal_date,
            audit=False,
            source_key=f"settlement-reversal:{settlement.pk}:{voucher.legal_entity.code}",
        )
        for voucher in settlement.vouchers.select_related("legal_entity").order_by(
            "legal_entity_id", "pk"
        )
    ]
    try:
        open_transaction_restore(
            changes=[
                OpenAmountChange(
                    transactions[line.open_transaction_id], line.amount, line.accounting_amount
                )
                for line in lines
            ]
        )
    except OpenAmountExceeded as error:
        raise SettlementInvalid(error.message, field="settlement") from None
    settlement.status = Settlement.Status.REVERSED
    settlement.reversed_by = actor if actor and actor.is_authenticated else None
    settlement.reversed_on = reversal_date
    settlement.save(update_fields=["status", "reversed_by", "reversed_on"])
    Settlement.reversal_vouchers.through.objects.bulk_create(
        Settlement.reversal_vouchers.through(settlement=settlement, voucher=v) for v in reversals
    )
    audit_record(
        actor=actor,
        action="settlement.reversed",
        obj=settlement,
        changes={"status": (Settlement.Status.POSTED, Settlement.Status.REVERSED)},
        legal_entities={ot.legal_entity_id for ot in transactions.values()}
        | {v.legal_entity_id for v in reversals},
    )
    return settlement


__all__ = [
    "SettlementLineInput",
    "reimburse",
    "discount_available",
    "SettlementPlan",
    "settlement_create",
    "settlement_preview",
    "settlement_reverse",
]
