"""The cash discount rule of receivables, in one place (SPEC section 5).

- Periods: a code's periods end on the document date + days; on a date the first period whose
  last day has not passed applies, and an expired period offers nothing.
- Base: the amount before sales tax, or the total when the entity's discount base includes tax;
  invoices carry a discount, credit notes only with the entity's "on credit notes" parameter.
- Effective percent p of the open amount: percent × amount before tax ÷ total (percent itself
  when the base includes tax).
- Partial payment: ``cash ÷ (1 − p) × p``, with the entity's "on partial payments" parameter.
- The schedule stored at posting: each period's percent of the base.
- ``cash_discount_available``: what an open amount offers on a date, which every page, the API
  and the settlement ask.

Everything here computes and writes nothing: ``posting_schedule`` reads the code's periods,
``schedule_rows`` returns unsaved rows for the posting service, and the two readers of an open
transaction use what the caller fetched with it (its legal entity and ``cash_discounts``).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from core.money import ZERO, quantize

# A posted schedule as settlement reads it: (last day, percent) per period.
Periods = Iterable[tuple[date, Decimal]]


class ScheduledDiscount(NamedTuple):
    """One period of the schedule stored at posting (the amount unsigned)."""

    until: date
    percent: Decimal
    amount: Decimal


@dataclass(frozen=True)
class DiscountOffer:
    """The cash discount an open amount offers on a date: ``amount`` (signed like the
    transaction) if paid by ``until``; ``percent`` is the period's, ``rate`` the effective
    fraction p of the open amount."""

    amount: Decimal
    percent: Decimal
    until: date
    rate: Decimal


def discount_applies(*, is_invoice: bool, on_credit_notes: bool) -> bool:
    """Whether a document carries a cash discount at all."""
    return is_invoice or on_credit_notes


def discount_base(*, amount_before_tax: Decimal, total: Decimal, includes_tax: bool) -> Decimal:
    """What a period's percent is taken of at posting."""
    return total if includes_tax else amount_before_tax


def discount_schedule(
    *, periods: Iterable, on: date, base: Decimal, currency: str
) -> list[ScheduledDiscount]:
    """The schedule of a document dated ``on``: each period (``days``, ``percent``) gives
    ``percent`` of ``base`` if paid by ``on`` + days, earliest first."""
    return [
        ScheduledDiscount(
            on + timedelta(days=p.days), p.percent, quantize(base * p.percent / 100, currency)
        )
        for p in sorted(periods, key=lambda p: p.days)
    ]


def posting_schedule(
    *,
    cash_discount,
    is_invoice: bool,
    entity,
    on: date,
    amount_before_tax: Decimal,
    total: Decimal,
    currency: str,
) -> list[ScheduledDiscount]:
    """The schedule a document posts (or would post) with the cash discount code given, under
    the entity's parameters; empty when it carries none."""
    if cash_discount is None or not discount_applies(
        is_invoice=is_invoice, on_credit_notes=entity.cash_discount_on_credit_notes
    ):
        return []
    base = discount_base(
        amount_before_tax=amount_before_tax,
        total=total,
        includes_tax=entity.cash_discount_base_includes_tax,
    )
    return discount_schedule(
        periods=cash_discount.periods.all(), on=on, base=base, currency=currency
    )


def schedule_rows(open_transaction, schedule: Iterable[ScheduledDiscount], sign: int) -> list:
    """Unsaved rows of the schedule for ``open_transaction``, signed like it; a period worth
    nothing is not stored."""
    from .models import OpenTransactionDiscount

    return [
        OpenTransactionDiscount(
            open_transaction=open_transaction, until=until, percent=percent, amount=sign * amount
        )
        for until, percent, amount in schedule
        if amount != ZERO
    ]


def period_on(periods: Periods, on: date) -> tuple[date, Decimal] | None:
    """The period that applies on ``on``: the first whose last day has not passed."""
    return next(((until, pct) for until, pct in sorted(periods) if until >= on), None)


def effective_discount(
    *,
    open_amount: Decimal,
    amount: Decimal,
    amount_before_tax: Decimal,
    percent: Decimal,
    base_includes_tax: bool,
    currency: str,
) -> tuple[Decimal, Decimal]:
    """(discount of ``percent`` on the open amount, its effective fraction p of the open amount),
    from magnitudes.

    The base excludes sales tax by default: p = percent × amount before tax ÷ total.
    """
    if percent <= 0:
        return ZERO, ZERO
    if base_includes_tax or amount == 0:
        p = percent / 100
        return quantize(open_amount * percent / 100, currency), p
    p = percent * amount_before_tax / (100 * amount)
    return quantize(open_amount * percent * amount_before_tax / (100 * amount), currency), p


def partial_discount(
    *,
    cash: Decimal,
    rate: Decimal,
    available: Decimal,
    open_amount: Decimal,
    currency: str,
    allowed: bool,
) -> Decimal:
    """The discount a cash part that leaves the debit open earns: cash ÷ (1 − p) × p, rounded,
    never more than the full discount available nor what the cash leaves open."""
    if not allowed or rate <= 0 or cash <= 0:
        return ZERO
    discount = quantize(cash / (1 - rate) * rate, currency)
    return min(discount, available, open_amount - cash)


def _offer(
    until: date,
    percent: Decimal,
    *,
    open_amount: Decimal,
    amount: Decimal,
    amount_before_tax: Decimal,
    base_includes_tax: bool,
    currency: str,
) -> DiscountOffer:
    sign = -1 if amount < 0 else 1
    available, rate = effective_discount(
        open_amount=abs(open_amount),
        amount=abs(amount),
        amount_before_tax=abs(amount_before_tax),
        percent=percent,
        base_includes_tax=base_includes_tax,
        currency=currency,
    )
    return DiscountOffer(sign * min(available, abs(open_amount)), percent, until, rate)


def cash_discount_available(
    *,
    periods: Periods,
    on: date,
    open_amount: Decimal,
    amount: Decimal,
    amount_before_tax: Decimal,
    base_includes_tax: bool,
    currency: str,
) -> DiscountOffer | None:
    """The cash discount a transaction of ``amount`` (``amount_before_tax`` of it before tax)
    offers on ``on`` for what is still open, or None: no period runs on that date, or it is
    worth nothing. Amounts may be signed (a credit note's offer is negative) or magnitudes."""
    period = period_on(periods, on)
    if period is None:
        return None
    offer = _offer(
        *period,
        open_amount=open_amount,
        amount=amount,
        amount_before_tax=amount_before_tax,
        base_includes_tax=base_includes_tax,
        currency=currency,
    )
    return offer if offer.amount != ZERO else None


def _periods_of(ot) -> list[tuple[date, Decimal]]:
    return sorted((d.until, d.percent) for d in ot.cash_discounts.all())


def _terms_of(ot) -> dict:
    return {
        "open_amount": ot.open_amount,
        "amount": ot.amount,
        "amount_before_tax": ot.amount_before_tax,
        "base_includes_tax": ot.legal_entity.cash_discount_base_includes_tax,
        "currency": ot.currency,
    }


def open_transaction_discount(ot, *, on: date) -> DiscountOffer | None:
    """``cash_discount_available`` for an open transaction read with its legal entity and
    its schedule (``cash_discounts``)."""
    return cash_discount_available(periods=_periods_of(ot), on=on, **_terms_of(ot))


def open_transaction_discount_amount(ot, *, on: date) -> Decimal:
    """The amount of ``open_transaction_discount`` (signed like the transaction), or zero."""
    offer = open_transaction_discount(ot, on=on)
    return offer.amount if offer else ZERO


def open_transaction_discounts(ot, *, on: date | None = None) -> list[DiscountOffer]:
    """Each period of an open transaction's schedule, its percent taken of what is open now;
    with ``on``, only the periods not expired on that date that are worth something (the first
    is ``open_transaction_discount``)."""
    terms = _terms_of(ot)
    offers = [_offer(until, pct, **terms) for until, pct in _periods_of(ot)]
    if on is None:
        return offers
    return [o for o in offers if o.until >= on and o.amount != ZERO]
