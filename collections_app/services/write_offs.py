"""Writes of write-offs: a small open balance (or part of it) taken off the customer's account
with its voucher, within the legal entity's maximum."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.aggregates import DecimalSum
from core.audit import Actor, audit_record
from core.errors import InvalidInput
from core.money import ZERO, format_amount, has_valid_precision
from entities.models import LegalEntity
from entities.services import ensure_can_act
from ledger.models import PostingType, Voucher
from ledger.services import VoucherInput, VoucherLineInput, voucher_post
from receivables.models import OpenTransaction
from receivables.services import (
    OpenAmountChange,
    accounting_amount_taken,
    open_transaction_reduce,
)

from ..models import Activity, WriteOff
from .common import acting_user, open_transaction_locked, timeline_activity_add


@transaction.atomic
def write_off_create(
    *,
    open_transaction: OpenTransaction,
    reason: str,
    actor: Actor,
    amount: Decimal | None = None,
    on: date | None = None,
) -> WriteOff:
    """Write off (part of) a small open balance: write-off Dr / customer balance Cr for a debit
    (the reverse for a small credit), within the legal entity's maximum (in its accounting
    currency). Closing the transaction takes its exact remaining accounting amount."""
    ot = open_transaction_locked(open_transaction)
    entity: LegalEntity = ot.legal_entity
    ensure_can_act(actor, entity, field="open_transaction")
    on = on or timezone.localdate()
    if not (reason or "").strip():
        raise InvalidInput("Say why the balance is written off.", field="reason")
    amount = _write_off_amount(ot, amount)
    sign = 1 if ot.open_amount > 0 else -1
    accounting = accounting_amount_taken(
        amount=amount,
        open_amount=ot.open_amount,
        open_accounting_amount=ot.open_accounting_amount,
        rate=ot.rate,
        accounting_currency=entity.accounting_currency,
    )
    _write_off_maximum_check(ot, entity, accounting)
    description = f"Write-off {ot.document_number}: {reason.strip()}"[:200]
    voucher = _write_off_voucher_post(
        ot,
        on=on,
        amount=sign * amount,
        accounting=sign * accounting,
        description=description,
        actor=actor,
    )
    open_transaction_reduce(changes=[OpenAmountChange(ot, sign * amount, sign * accounting)], on=on)
    write_off = WriteOff.objects.create(
        open_transaction=ot,
        legal_entity=entity,
        customer=ot.customer,
        date=on,
        currency=ot.currency,
        amount=amount,
        accounting_amount=accounting,
        reason=reason.strip()[:200],
        voucher=voucher,
        created_by=acting_user(actor),
    )
    shown = format_amount(amount, ot.currency)
    subject = f"{shown} {ot.currency} of {ot.document_number} written off: {write_off.reason}"
    timeline_activity_add(ot.customer, Activity.Kind.WRITE_OFF, subject, actor, open_transaction=ot)
    audit_record(
        actor=actor,
        action="write_off.posted",
        obj=write_off,
        changes={
            "open_amount": (
                format_amount(ot.open_amount + sign * amount, ot.currency),
                format_amount(ot.open_amount, ot.currency),
            )
        },
        legal_entity=entity,
    )
    return write_off


def _write_off_amount(ot: OpenTransaction, amount: Decimal | None) -> Decimal:
    """The amount asked for (all that is open without one), as an unsigned amount that the
    transaction's open amount covers."""
    if ot.open_amount == 0:
        raise InvalidInput(f"{ot.document_number} is closed.", field="open_transaction")
    remaining = abs(ot.open_amount)
    amount = remaining if amount is None else amount
    if amount <= 0 or amount > remaining:
        raise InvalidInput(
            f"The amount must be above zero and at most the open "
            f"{format_amount(remaining, ot.currency)} {ot.currency}.",
            field="amount",
        )
    if not has_valid_precision(amount, ot.currency):
        raise InvalidInput(f"{amount} has more decimals than {ot.currency} allows.", field="amount")
    return amount


def _write_off_maximum_check(ot: OpenTransaction, entity: LegalEntity, accounting: Decimal) -> None:
    # The maximum holds for all that is written off a transaction, not for each write-off.
    written_off = WriteOff.objects.filter(open_transaction=ot)
    before = written_off.aggregate(s=DecimalSum("accounting_amount"))["s"] or ZERO
    if before + accounting > entity.max_write_off:
        written = (
            f" ({format_amount(before, entity.accounting_currency)} already written off)"
            if before
            else ""
        )
        raise InvalidInput(
            f"{format_amount(accounting, entity.accounting_currency)} "
            f"{entity.accounting_currency}{written} is above the write-off maximum of "
            f"{entity.code} ({format_amount(entity.max_write_off, entity.accounting_currency)} "
            f"{entity.accounting_currency}).",
            field="amount",
        )


def _write_off_voucher_post(
    ot: OpenTransaction,
    *,
    on: date,
    amount: Decimal,
    accounting: Decimal,
    description: str,
    actor: Actor,
) -> Voucher:
    """Write-off Dr / customer balance Cr for the signed ``amount`` (reversed for a credit)."""
    return voucher_post(
        voucher=VoucherInput(
            legal_entity=ot.legal_entity,
            date=on,
            description=description,
            lines=[
                VoucherLineInput(
                    PostingType.WRITE_OFF,
                    ot.currency,
                    amount,
                    accounting_amount=accounting,
                    description=description,
                ),
                VoucherLineInput(
                    PostingType.CUSTOMER_BALANCE,
                    ot.currency,
                    -amount,
                    accounting_amount=-accounting,
                    customer=ot.customer,
                    description=description,
                ),
            ],
        ),
        actor=actor,
    )
