"""Writes of open transactions' amounts: what settling, writing off or reversing takes off an
open transaction, and what reversing a settlement gives back. Every room changes open amounts
through these functions only, on rows locked with
``receivables.selectors.open_transactions_for_update``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection

from core.money import convert

from ..exceptions import OpenAmountExceeded
from ..models import OpenTransaction
from ..sql import open_amounts_update


@dataclass(frozen=True)
class OpenAmountChange:
    """An amount taken off (or given back to) a locked open transaction, signed like the
    transaction, in its currency and in its entity's accounting currency."""

    open_transaction: OpenTransaction
    amount: Decimal
    accounting_amount: Decimal


def accounting_amount_taken(
    *,
    amount: Decimal,
    open_amount: Decimal,
    open_accounting_amount: Decimal,
    rate: Decimal,
    accounting_currency: str,
) -> Decimal:
    """The accounting amount that taking ``amount`` off an open transaction takes off its open
    accounting amount (magnitudes): all of it when ``amount`` is all that is open, so that
    rounding never leaves cents behind on a closed transaction; otherwise ``amount`` at the
    document's rate, never more than is open."""
    open_accounting = abs(open_accounting_amount)
    if amount == abs(open_amount):
        return open_accounting
    return min(convert(amount, rate, accounting_currency), open_accounting)


def open_transaction_reduce(*, changes: Sequence[OpenAmountChange], on: date) -> None:
    """Take each change off its open transaction, closing on ``on`` those it brings to zero,
    and write them all with one statement."""
    assert connection.in_atomic_block, "the open transactions are locked by the caller"
    for change in changes:
        ot = change.open_transaction
        ot.open_amount -= change.amount
        ot.open_accounting_amount -= change.accounting_amount
        ot.closed_on = (ot.closed_on or on) if ot.open_amount == 0 else None
    open_amounts_update([change.open_transaction for change in changes])


def open_transaction_restore(*, changes: Sequence[OpenAmountChange]) -> None:
    """Give each change back to its open transaction (reopening a closed one) and write them
    all with one statement. Nothing is written when one would open above its amount
    (``OpenAmountExceeded``)."""
    assert connection.in_atomic_block, "the open transactions are locked by the caller"
    for change in changes:
        ot = change.open_transaction
        if abs(ot.open_amount + change.amount) > abs(ot.amount):
            raise OpenAmountExceeded(ot)
    for change in changes:
        ot = change.open_transaction
        ot.open_amount += change.amount
        ot.open_accounting_amount += change.accounting_amount
        if ot.open_amount != 0:
            ot.closed_on = None
    open_amounts_update([change.open_transaction for change in changes])


def open_transaction_disputed_set(*, open_transaction: OpenTransaction, disputed: bool) -> None:
    """Mark a locked open transaction in dispute (no letter, no interest) or out of it."""
    open_transaction.disputed = disputed
    open_transaction.save(update_fields=["disputed"])
