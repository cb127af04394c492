"""Writes of the receivables codes: cash discounts with their periods and interest codes with
their ranges and per-currency fees, each saved whole and audited. Terms of payment and sales tax
codes have no rule beyond their fields and are saved by their API and admin forms."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from core.audit import Actor, audit_record
from core.errors import InvalidInput
from core.money import ZERO, currency_is_known, has_valid_precision

from ..interest import RangeRule, ranges_overlap
from ..models import CashDiscount, CashDiscountPeriod, InterestCode, InterestCurrency, InterestRange

# --- cash discounts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CashDiscountPeriodInput:
    days: int
    percent: Decimal


@transaction.atomic
def cash_discount_save(
    *,
    code: str,
    name: str = "",
    periods: Iterable[CashDiscountPeriodInput],
    actor: Actor,
    instance: CashDiscount | None = None,
) -> CashDiscount:
    """Create or replace a cash discount code with its periods."""
    periods = sorted(periods, key=lambda p: p.days)
    if not periods:
        raise InvalidInput("A cash discount needs at least one period.", field="periods")
    days = [p.days for p in periods]
    if len(set(days)) != len(days):
        raise InvalidInput("Two periods have the same number of days.", field="periods")
    for p in periods:
        if not Decimal(0) < p.percent < Decimal(100):
            raise InvalidInput("A period's percent must be above 0 and below 100.", field="periods")
    cash_discount = instance or CashDiscount()
    old = [(p.days, str(p.percent)) for p in cash_discount.periods.all()] if instance else None
    cash_discount.code = code
    cash_discount.name = name
    cash_discount.full_clean(validate_unique=instance is None)
    cash_discount.save()
    cash_discount.periods.all().delete()
    CashDiscountPeriod.objects.bulk_create(
        CashDiscountPeriod(cash_discount=cash_discount, days=p.days, percent=p.percent)
        for p in periods
    )
    audit_record(
        actor=actor,
        action="cash_discount.saved",
        obj=cash_discount,
        changes={"periods": (old, [(p.days, str(p.percent)) for p in periods])},
    )
    return cash_discount


# --- interest codes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InterestRangeInput:
    from_overdue: int
    to_overdue: int | None
    percent: Decimal


@dataclass(frozen=True)
class InterestCurrencyInput:
    currency: str
    fixed_fee: Decimal = ZERO
    minimum_interest: Decimal = ZERO


def _interest_ranges_check(ranges: list[InterestRangeInput]) -> None:
    if not ranges:
        raise InvalidInput("An interest code needs at least one range.", field="ranges")
    for index, r in enumerate(ranges):
        if r.from_overdue is None or r.from_overdue < 1:
            raise InvalidInput(f"ranges[{index}]: 'from' must be 1 or more.", field="ranges")
        if r.to_overdue is not None and r.to_overdue < r.from_overdue:
            raise InvalidInput(f"ranges[{index}]: 'to' is before 'from'.", field="ranges")
        if r.percent is None or not ZERO <= r.percent < 100:
            raise InvalidInput(
                f"ranges[{index}]: the percent must be from 0 to below 100.", field="ranges"
            )
    clash = ranges_overlap([RangeRule(r.from_overdue, r.to_overdue, r.percent) for r in ranges])
    if clash:
        left, right = clash
        left_end = left.to_overdue if left.to_overdue is not None else "no end"
        raise InvalidInput(
            f"Ranges overlap: {left.from_overdue}–{left_end} and {right.from_overdue}–"
            f"{right.to_overdue if right.to_overdue is not None else 'no end'}.",
            field="ranges",
        )


def _interest_currencies_check(currencies: list[InterestCurrencyInput]) -> None:
    seen = set()
    for index, c in enumerate(currencies):
        if not currency_is_known(c.currency):
            raise InvalidInput(
                f"currencies[{index}]: unknown currency {c.currency!r}.", field="currencies"
            )
        if c.currency in seen:
            raise InvalidInput(
                f"currencies[{index}]: {c.currency} is given twice.", field="currencies"
            )
        seen.add(c.currency)
        for value, label in ((c.fixed_fee, "fixed fee"), (c.minimum_interest, "minimum")):
            if value is None or value < 0 or not has_valid_precision(value, c.currency):
                raise InvalidInput(
                    f"currencies[{index}]: the {label} must be zero or more, in {c.currency}'s "
                    "minor units.",
                    field="currencies",
                )


@transaction.atomic
def interest_code_save(
    *,
    code: str,
    actor: Actor,
    name: str = "",
    charge_per: str = InterestCode.Unit.MONTH,
    ranges_by: str = InterestCode.Unit.DAY,
    grace_days: int = 0,
    ranges: list[InterestRangeInput],
    currencies: list[InterestCurrencyInput] | None = None,
    instance: InterestCode | None = None,
) -> InterestCode:
    """Create an interest code or replace its settings, ranges and currencies."""
    if charge_per not in InterestCode.Unit.values:
        raise InvalidInput(f"Unknown unit {charge_per!r}: use day or month.", field="charge_per")
    if ranges_by not in InterestCode.Unit.values:
        raise InvalidInput(f"Unknown unit {ranges_by!r}: use day or month.", field="ranges_by")
    if grace_days is None or grace_days < 0:
        raise InvalidInput("Grace days cannot be negative.", field="grace_days")
    _interest_ranges_check(ranges)
    currencies = currencies or []
    _interest_currencies_check(currencies)
    if instance is None and InterestCode.objects.filter(code=code).exists():
        raise InvalidInput(f"Interest code {code} already exists.", field="code")
    interest_code = instance or InterestCode(code=code)
    if instance is not None and code != instance.code:
        raise InvalidInput("An interest code's code cannot change.", field="code")
    before = (
        [(r.from_overdue, r.to_overdue, str(r.percent)) for r in instance.ranges.all()]
        if instance
        else None
    )
    interest_code.name = name
    interest_code.charge_per = charge_per
    interest_code.ranges_by = ranges_by
    interest_code.grace_days = grace_days
    interest_code.full_clean(validate_unique=False)
    interest_code.save()
    interest_code.ranges.all().delete()
    InterestRange.objects.bulk_create(
        InterestRange(
            interest_code=interest_code,
            from_overdue=r.from_overdue,
            to_overdue=r.to_overdue,
            percent=r.percent,
        )
        for r in ranges
    )
    interest_code.currencies.all().delete()
    InterestCurrency.objects.bulk_create(
        InterestCurrency(
            interest_code=interest_code,
            currency=c.currency,
            fixed_fee=c.fixed_fee,
            minimum_interest=c.minimum_interest,
        )
        for c in currencies
    )
    audit_record(
        actor=actor,
        action="interest_code.saved",
        obj=interest_code,
        changes={
            "ranges": (before, [(r.from_overdue, r.to_overdue, str(r.percent)) for r in ranges])
        },
    )
    return interest_code
