"""What marking a transaction fills in on the Settle transactions page, as Dynamics 365 does:
its amount to settle and, on an invoice, the cash discount to take on the settlement date.

- A credit (payment, credit note) offers its open amount, less the cash discount it carries.
- A debit takes its open amount less the discount available on the date when the marked
  credits still cover that; when they cover only part of it, what they still cover, with the
  partial-payment discount ``cash ÷ (1 − p) × p`` where the entity allows it. With no credit
  marked yet, or the marked ones used up, it takes its open amount less the discount: the clerk
  marks the debits first, or settles more than the credits hold and sees it in the totals.

Amounts are magnitudes, as the page's fields are. The discount rules are
``receivables.discounts``'; this module only reads what the caller fetched and writes nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.money import ZERO
from receivables.discounts import open_transaction_discount, partial_discount
from receivables.models import OpenTransaction


@dataclass(frozen=True)
class MarkedLine:
    """A transaction marked on the page, with what its fields hold (None when empty)."""

    transaction: OpenTransaction
    amount: Decimal | None = None
    cash_discount: Decimal | None = None


@dataclass(frozen=True)
class LineFill:
    """What marking fills in: the amount to settle, and the cash discount to take on a debit
    (None on a credit, which has no such field)."""

    transaction: OpenTransaction
    amount: Decimal
    cash_discount: Decimal | None


def _offer(ot: OpenTransaction, on: date) -> tuple[Decimal, Decimal]:
    """(the discount available on ``on`` as a magnitude, its effective fraction p)."""
    offer = open_transaction_discount(ot, on=on)
    return (abs(offer.amount), offer.rate) if offer else (ZERO, ZERO)


def _cash(line: MarkedLine, on: date) -> Decimal:
    """The cash a marked line stands for: its amount to settle, else what settling takes by
    default (the open amount less the discount available)."""
    if line.amount is not None:
        return line.amount
    discount = line.cash_discount
    if discount is None:
        discount = _offer(line.transaction, on)[0]
    return abs(line.transaction.open_amount) - discount


def settlement_line_fill(
    *, transaction: OpenTransaction, on: date, marked: Iterable[MarkedLine]
) -> LineFill:
    """What marking ``transaction`` fills in, given the other lines ``marked`` on the page."""
    others = [line for line in marked if line.transaction.pk != transaction.pk]
    open_amount = abs(transaction.open_amount)
    discount, rate = _offer(transaction, on)
    if not transaction.is_debit:
        return LineFill(transaction, open_amount - discount, None)
    full_cash = open_amount - discount
    credits = [line for line in others if not line.transaction.is_debit]
    if not credits:
        return LineFill(transaction, full_cash, discount)
    covered = sum((_cash(line, on) for line in credits), ZERO) - sum(
        (_cash(line, on) for line in others if line.transaction.is_debit), ZERO
    )
    if covered >= full_cash or covered <= 0:
        return LineFill(transaction, full_cash, discount)
    partial = partial_discount(
        cash=covered,
        rate=rate,
        available=discount,
        open_amount=open_amount,
        currency=transaction.currency,
        allowed=transaction.legal_entity.cash_discount_on_partial_payments,
    )
    return LineFill(transaction, covered, partial)


def settlement_lines_fill(
    *, transactions: list[OpenTransaction], on: date, marked: Iterable[MarkedLine]
) -> list[LineFill]:
    """Fill ``transactions`` as if marked one after the other, credits first: each sees the
    lines ``marked`` (those being filled excepted) and the ones filled before it."""
    filling = {ot.pk for ot in transactions}
    lines = [line for line in marked if line.transaction.pk not in filling]
    fills = []
    for ot in sorted(transactions, key=lambda ot: ot.is_debit):
        fill = settlement_line_fill(transaction=ot, on=on, marked=lines)
        fills.append(fill)
        lines.append(MarkedLine(ot, fill.amount, fill.cash_discount))
    return fills
