"""Settling: ``settlement_create`` writes a plan in one database transaction (the settlement and
its lines, every open-amount change, one voucher per entity involved, the audit row), and
``reimburse`` pays a credit balance back by settling it against a refund."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from django.db import transaction

from core import db
from core.audit import Actor, audit_record
from core.money import ZERO
from entities.selectors import user_can_act_in
from ledger.services import vouchers_post
from receivables.services import OpenAmountChange, open_transaction_reduce

from ..exceptions import SettlementInvalid
from ..models import Settlement, SettlementLine
from .plan import SettlementLineInput, SettlementPlan, settlement_plan, transactions_read

_SETTLEMENT_COLUMNS = db.columns(
    Settlement,
    "party",
    "date",
    "currency",
    "primary_payment",
    "status",
    "created_by",
    "created_at",
)
_LINE_COLUMNS = db.columns(
    SettlementLine,
    "settlement",
    "open_transaction",
    "settled_amount",
    "cash_discount",
    "payment_difference",
    "full_settlement",
    "amount",
    "accounting_amount",
    "fx_difference",
)


@transaction.atomic
def settlement_create(
    *, lines: list[SettlementLineInput], on: date, primary: int | None, actor: Actor
) -> Settlement:
    """Settle marked open transactions of one party, in one database transaction."""
    plan = settlement_plan(lines=lines, on=on, primary=primary, actor=actor, lock=True)
    # The settlement's own rows are written with one plain statement each (settlement, voucher
    # links, settlement lines; the audit row by ``audit_record``): this is the hot path of the
    # back office, and the ORM's insert machinery costs more than the statements.
    settlement = _settlement_insert(plan, on=on, primary=primary, actor=actor)
    changes, line_rows = _changes_and_lines(plan, settlement.pk)
    before = {change.open_transaction.pk: change.open_transaction.open_amount for change in changes}
    # Written before the vouchers: posting takes the entities' next voucher numbers, whose
    # rows stay locked until commit, so concurrent settlements wait on each other only for
    # what comes after.
    open_transaction_reduce(changes=changes, on=on)
    db.insert_rows(SettlementLine, _LINE_COLUMNS, line_rows)
    audit_record(
        actor=actor,
        action="settlement.posted",
        obj=settlement,
        changes={
            change.open_transaction.document_number: (
                str(before[change.open_transaction.pk]),
                str(change.open_transaction.open_amount),
            )
            for change in changes
        },
        legal_entities={ot.legal_entity_id for ot in plan.transactions.values()}
        | {v.legal_entity.pk for v in plan.vouchers},
    )
    posted = vouchers_post(
        vouchers=[
            replace(v, source_key=f"settlement:{settlement.pk}:{v.legal_entity.code}")
            for v in plan.vouchers
        ],
        actor=actor,
    )
    db.insert_rows(
        Settlement.vouchers.through,
        ("settlement_id", "voucher_id"),
        [(settlement.pk, v.pk) for v in posted],
    )
    return settlement


def _settlement_insert(
    plan: SettlementPlan, *, on: date, primary: int | None, actor: Actor
) -> Settlement:
    """The settlement row, and the instance it is, without the ORM's insert."""
    any_ot = next(iter(plan.transactions.values()))
    created_by = actor if actor is not None and actor.is_authenticated else None
    created_at, created_at_db = db.now()
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
    return db.inserted(
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


def _changes_and_lines(
    plan: SettlementPlan, settlement_pk: int
) -> tuple[list[OpenAmountChange], list[tuple]]:
    """What each item takes off its open transaction, and its settlement line row, both
    signed like the transaction."""
    changes, line_rows = [], []
    for item in plan.items:
        ot = plan.transactions[item.key]
        sign = 1 if item.is_debit else -1
        value = plan.values[item.key]
        if item.reduction:
            changes.append(OpenAmountChange(ot, sign * item.reduction, sign * value.total))
        line_rows.append(
            (
                settlement_pk,
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
    return changes, line_rows


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

    credit = transactions_read([transaction_id], lock=True)[0].get(transaction_id)
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
