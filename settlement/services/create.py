"""Settling: ``settlement_create`` writes a plan in one database transaction (the settlement and
its lines, every open-amount change, one voucher per entity involved, the audit row), and
``reimburse`` pays a credit balance back by settling it against a refund."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext

from core import db
from core.audit import Actor, AuditRecord, audit_records
from core.errors import ApplicationError
from core.money import ZERO, format_amount
from entities.selectors import RateBook, user_can_act_in
from ledger.services import vouchers_post
from receivables.services import OpenAmountChange, open_transaction_reduce

from ..exceptions import SettlementInvalid
from ..models import Settlement, SettlementLine
from .plan import (
    SettlementLineInput,
    SettlementPlan,
    check_lines,
    plan_of_read,
    settlement_plan,
    transactions_read,
)

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


@db.atomic
def settlement_create(
    *, lines: list[SettlementLineInput], on: date, primary: int | None, actor: Actor
) -> Settlement:
    """Settle marked open transactions of one party, in one database transaction."""
    plan = settlement_plan(lines=lines, on=on, primary=primary, actor=actor, lock=True)
    (settlement,) = _settlements_write([(plan, primary)], on=on, actor=actor)
    return settlement


@dataclass(frozen=True)
class SettlementRequest:
    """One settlement of a ``settlements_create`` call."""

    lines: list[SettlementLineInput]
    primary: int | None = None


@db.atomic
def settlements_create(
    *, requests: Sequence[SettlementRequest], on: date, actor: Actor
) -> list[Settlement]:
    """Many settlements of one date in one database transaction, each exactly what
    ``settlement_create`` would post for it, with one locking read, one posting call and one
    statement per table for all of them (a collection run settles thousands of payments).

    All or nothing: the first request refused refuses the call, its message prefixed with
    ``requests[i]``. A transaction is marked by one request at most."""
    if not requests:
        raise SettlementInvalid(gettext("Give at least one settlement."), field="requests")
    ids: list[int] = []
    for index, request in enumerate(requests):
        with _request_errors(index):
            ids += check_lines(request.lines)
    if len(set(ids)) != len(ids):
        raise SettlementInvalid(
            "A transaction is marked by two settlements of the call.", field="requests"
        )
    transactions, schedules = transactions_read(ids, lock=True)
    rates = RateBook()
    plans = []
    for index, request in enumerate(requests):
        with _request_errors(index):
            plan = plan_of_read(
                lines=request.lines,
                transactions=transactions,
                schedules=schedules,
                on=on,
                primary=request.primary,
                actor=actor,
                rates=rates,
            )
        plans.append((plan, request.primary))
    return _settlements_write(plans, on=on, actor=actor)


@contextmanager
def _request_errors(index: int) -> Iterator[None]:
    """A refusal of one request names it: ``requests[i]: …``."""
    try:
        yield
    except ApplicationError as error:
        error.message = f"requests[{index}]: {error.message}"
        error.args = (error.message, *error.args[1:])
        raise


def _settlements_write(
    plans: list[tuple[SettlementPlan, int | None]], *, on: date, actor: Actor
) -> list[Settlement]:
    """Write planned settlements: their rows, open amounts, lines and audit rows, then their
    vouchers, with one statement per table whatever their number."""
    # The settlement's own rows are written with plain statements (settlement, voucher links,
    # settlement lines; the audit rows by ``core.audit``): this is the hot path of the back
    # office, and the ORM's insert machinery costs more than the statements.
    settlements = _settlements_insert(plans, on=on, actor=actor)
    changes: list[OpenAmountChange] = []
    line_rows: list[tuple] = []
    audits = []
    for (plan, _primary), settlement in zip(plans, settlements, strict=True):
        plan_changes, plan_lines = _changes_and_lines(plan, settlement.pk)
        changes += plan_changes
        line_rows += plan_lines
        audits.append((settlement, plan, plan_changes, _open_before(plan_changes)))
    # Written before the vouchers: posting takes the entities' next voucher numbers, whose
    # rows stay locked until commit, so concurrent settlements wait on each other only for
    # what comes after.
    open_transaction_reduce(changes=changes, on=on)
    db.insert_rows(SettlementLine, _LINE_COLUMNS, line_rows)
    audit_records(
        actor=actor,
        action="settlement.posted",
        records=[
            AuditRecord(
                obj=settlement,
                changes={
                    change.open_transaction.document_number: (
                        before[change.open_transaction.pk],
                        change.open_transaction.open_amount,
                    )
                    for change in plan_changes
                },
                legal_entities={ot.legal_entity_id for ot in plan.transactions.values()}
                | {v.legal_entity.pk for v in plan.vouchers},
                currency=settlement.currency,
            )
            for settlement, plan, plan_changes, before in audits
        ],
    )
    vouchers, owners = [], []
    for (plan, _primary), settlement in zip(plans, settlements, strict=True):
        for v in plan.vouchers:
            vouchers.append(
                replace(v, source_key=f"settlement:{settlement.pk}:{v.legal_entity.code}")
            )
            owners.append(settlement.pk)
    posted = vouchers_post(vouchers=vouchers, actor=actor)
    db.insert_rows(
        Settlement.vouchers.through,
        ("settlement_id", "voucher_id"),
        [(owner, v.pk) for owner, v in zip(owners, posted, strict=True)],
    )
    return settlements


def _open_before(changes: list[OpenAmountChange]) -> dict[int, Decimal]:
    return {change.open_transaction.pk: change.open_transaction.open_amount for change in changes}


def _settlements_insert(
    plans: list[tuple[SettlementPlan, int | None]], *, on: date, actor: Actor
) -> list[Settlement]:
    """The settlement rows, and the instances they are, without the ORM's insert."""
    created_by = actor if actor is not None and actor.is_authenticated else None
    created_at, created_at_db = db.now()
    firsts = [next(iter(plan.transactions.values())) for plan, _primary in plans]
    pks = db.insert_rows(
        Settlement,
        _SETTLEMENT_COLUMNS,
        [
            (
                ot.party_id,
                on,
                ot.currency,
                primary,
                Settlement.Status.POSTED,
                created_by.pk if created_by is not None else None,
                created_at_db,
            )
            for ot, (_plan, primary) in zip(firsts, plans, strict=True)
        ],
        returning="id",
    )
    return [
        db.inserted(
            Settlement,
            id=pk,
            party=ot.party,
            date=on,
            currency=ot.currency,
            primary_payment_id=primary,
            status=Settlement.Status.POSTED,
            created_by=created_by,
            created_at=created_at,
        )
        for pk, ot, (_plan, primary) in zip(pks, firsts, plans, strict=True)
    ]


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
            gettext("Open transaction %(transaction)s does not exist.")
            % {"transaction": transaction_id},
            field="transaction",
        )
    if credit.amount > 0 or credit.open_amount == 0:
        raise SettlementInvalid(
            gettext(
                "Transaction %(document)s is not an open credit: only a credit balance "
                "(payment or credit note) is reimbursed."
            )
            % {"document": credit.document_number},
            field="transaction",
        )
    amount = amount if amount is not None else -credit.open_amount
    if amount <= 0 or amount > -credit.open_amount:
        raise SettlementInvalid(
            gettext(
                "The refund must be above zero and at most the open credit %(amount)s %(currency)s."
            )
            % {
                "amount": format_amount(-credit.open_amount, credit.currency),
                "currency": credit.currency,
            },
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
