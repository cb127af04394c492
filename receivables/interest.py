"""Interest arithmetic and calendar: the day-count rule of interest notes, cumulative interest,
the customer's month, and month-end aware month arithmetic shared with recurring invoices.

The day-count rule
------------------
Day n overdue is the n-th day after the due date (the due date itself is not overdue). Month k
overdue runs from the day after ``add_months(due, k - 1)`` to ``add_months(due, k)`` included
(month-end aware: due Jan 31 → month 1 ends Feb 28 or 29, month 2 ends Mar 31).

- Grace: while an invoice is overdue ``grace_days`` days or fewer on the calculation date, it is
  not charged; past the grace days it is charged from day 1.
- Charged per day: every overdue day up to the calculation date costs ``percent`` of the base,
  at the percent of the range the day falls in (ranges by days: its day number; ranges by
  months: the month it falls in).
- Charged per month: every completed overdue month costs ``percent`` of the base, at the percent
  of its range (ranges by months: its number; ranges by days: the day number of its last day);
  a month in progress waits for a later calculation.
- A day or month in no range costs nothing. The exact cost of a day or month is
  ``base × percent ÷ 100``, never rounded.

Cumulative interest: it does not depend on how often the job runs
-----------------------------------------------------------------
For an invoice on the calculation date D::

    I(D) = round_half_up(sum of the exact costs of its overdue days, or completed months, to D)

in the currency's minor units, rounded once for the whole span from the due date. A run charges
the invoice ``I(D) − C``, where C is what the lines of its live notes already charged, and only
when that is more than zero. Live notes are drafts and posted notes: a waived or a reversed note
counts as not charged.

- Days on a live line keep the base and percent of their line: a later payment or a change of
  the interest code does not re-price a day once charged. The other days (new days, and days
  whose note was waived or reversed) are priced on D: the base is the invoice's open amount on
  D, the percent that of the code's range on D.
- Lines: one per range and stretch of uncharged days (per month: of completed months none of
  whose days is on a live line). Their amounts split ``I(D) − C`` by rounding the running total:
  with E the exact cost of the days on live lines, a line's amount is ``round(E + the exact
  costs of the new lines up to it)`` (never below C) less the same for the line before, so the
  lines add up to ``I(D) − C`` exactly; a line may so be zero beside others. When ``I(D) − C``
  is zero or less the invoice gets no line, and its days stay uncharged for a later run.
- So runs as of D1 and then D2 charge an invoice what one run as of D2 charges, to the cent,
  as long as its open amount and the interest code did not change in between.

The customer's month: minimum and fee
-------------------------------------
A note is per customer and currency, dated D; its month is D's calendar month. For a customer,
currency and month, with S the interest (the lines) of the month's live notes, this run's
included, the month's figure is::

    F = max(S, minimum) + fee        (zero while S is zero)

with the minimum and the fee of the customer's interest code for that currency. A note charges
F less the totals of the month's earlier live notes, never less than zero: the first note of the
month raises its interest to the minimum and carries the fee; a later note tops up to the
month's figure and never adds a second minimum or fee: the part of its interest that the
minimum already covers comes off as a negative minimum adjustment, so a note may total zero (it
still records the days it charged). Runs within one month charge in total what the last of them
alone would; each month in which notes are made has its one minimum and fee.

A waived or reversed note counts as not charged: its days become uncharged and its total leaves
its month, so the next run charges them again. A waived note can be reinstated only while none
of its days has been charged again.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from core.money import ZERO, quantize

DAY = "day"
MONTH = "month"


def add_months(on: date, months: int) -> date:
    """``on`` plus ``months`` calendar months, clamped to the month's last day (Jan 31 + 1
    month = Feb 28, or Feb 29 in a leap year)."""
    years, month_index = divmod(on.month - 1 + months, 12)
    year, month = on.year + years, month_index + 1
    return date(year, month, min(on.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class RangeRule:
    from_overdue: int
    to_overdue: int | None
    percent: Decimal

    def contains(self, n: int) -> bool:
        return n >= self.from_overdue and (self.to_overdue is None or n <= self.to_overdue)


@dataclass(frozen=True)
class InterestPeriod:
    period_start: date
    period_end: date
    days: int
    months: int
    percent: Decimal
    exact: Decimal  # base × percent ÷ 100 × days (or months), unrounded
    amount: Decimal = ZERO  # this line's share of the invoice's rounded interest


def ranges_overlap(ranges: list[RangeRule]) -> tuple[RangeRule, RangeRule] | None:
    """The first two ranges that share a day or month, if any."""
    ordered = sorted(ranges, key=lambda r: r.from_overdue)
    for left, right in zip(ordered, ordered[1:], strict=False):
        if left.to_overdue is None or left.to_overdue >= right.from_overdue:
            return left, right
    return None


def _rule_for(ranges: list[RangeRule], n: int) -> RangeRule | None:
    return next((r for r in ranges if r.contains(n)), None)


def exact_cost(base: Decimal, percent: Decimal, units: int) -> Decimal:
    """``base × percent ÷ 100 × units``, exact (no rounding, no loss of digits)."""
    return (base * percent * units).scaleb(-2)


def interest_periods(
    *,
    due_date: date,
    as_of: date,
    charged: Iterable[tuple[date, date]] = (),
    charged_amount: Decimal = ZERO,
    charged_exact: Decimal = ZERO,
    base: Decimal,
    currency: str,
    charge_per: str,
    ranges_by: str,
    grace_days: int,
    ranges: list[RangeRule],
) -> list[InterestPeriod]:
    """The lines to add for one invoice on ``as_of`` (see the module's rules): ``charged`` are
    the periods of its live lines, which charged ``charged_amount`` for an exact cost of
    ``charged_exact``. Empty when nothing more is due."""
    periods = uncharged_periods(
        due_date=due_date,
        as_of=as_of,
        charged=charged,
        base=base,
        charge_per=charge_per,
        ranges_by=ranges_by,
        grace_days=grace_days,
        ranges=ranges,
    )
    return _priced(periods, charged_amount, charged_exact, currency)


def _priced(periods, charged_amount, charged_exact, currency):
    """Amounts from the running total rounded once: the lines add up to ``round(charged_exact
    + their exact costs) − charged_amount``."""
    running, reached, priced = charged_exact, charged_amount, []
    for period in sorted(periods, key=lambda p: p.period_start):
        running += period.exact
        total = max(charged_amount, quantize(running, currency))
        priced.append(replace(period, amount=total - reached))
        reached = total
    return priced if reached > charged_amount else []


def uncharged_periods(
    *,
    due_date: date,
    as_of: date,
    charged: Iterable[tuple[date, date]] = (),
    base: Decimal,
    charge_per: str,
    ranges_by: str,
    grace_days: int,
    ranges: list[RangeRule],
) -> list[InterestPeriod]:
    """The overdue days (or completed months) of one invoice up to ``as_of`` that lie on none of
    the ``charged`` periods, one period per range and stretch, with their exact cost (no
    amount yet)."""
    if base <= 0 or (as_of - due_date).days <= grace_days or as_of <= due_date:
        return []
    ranges = sorted(ranges, key=lambda r: r.from_overdue)
    windows = _windows(due_date + timedelta(days=1), as_of, charged)
    if not windows:
        return []
    if charge_per == MONTH:
        return _monthly(due_date, as_of, windows, base, ranges_by, ranges)
    return [
        period
        for first, last in windows
        for period in _daily(due_date, first, last, base, ranges_by, ranges)
    ]


def _windows(first: date, last: date, charged) -> list[tuple[date, date]]:
    """``first``–``last`` less the charged periods: the stretches of days not charged."""
    windows, cursor = [], first
    for start, end in sorted(charged):
        if end < cursor:
            continue
        if start > last:
            break
        if start > cursor:
            windows.append((cursor, start - timedelta(days=1)))
        cursor = end + timedelta(days=1)
        if cursor > last:
            return windows
    windows.append((cursor, last))
    return windows


def _daily(due, start, end, base, ranges_by, ranges):
    periods = []
    for rule in ranges:
        if ranges_by == DAY:
            low = due + timedelta(days=rule.from_overdue)
            high = due + timedelta(days=rule.to_overdue) if rule.to_overdue is not None else end
        else:
            low = add_months(due, rule.from_overdue - 1) + timedelta(days=1)
            high = add_months(due, rule.to_overdue) if rule.to_overdue is not None else end
        first, last = max(low, start), min(high, end)
        if first > last:
            continue
        days = (last - first).days + 1
        periods.append(
            InterestPeriod(
                period_start=first,
                period_end=last,
                days=days,
                months=0,
                percent=rule.percent,
                exact=exact_cost(base, rule.percent, days),
            )
        )
    return periods


def _monthly(due, as_of, windows, base, ranges_by, ranges):
    """Completed months lying wholly in a stretch of uncharged days, grouped by range."""
    groups: list[tuple[RangeRule, int, int]] = []  # (rule, first month, last month)
    month = 1
    while add_months(due, month) <= as_of:
        start, end = add_months(due, month - 1) + timedelta(days=1), add_months(due, month)
        key = month if ranges_by == MONTH else (end - due).days
        rule = _rule_for(ranges, key)
        if rule is not None and any(a <= start and end <= b for a, b in windows):
            if groups and groups[-1][0] is rule and groups[-1][2] == month - 1:
                groups[-1] = (rule, groups[-1][1], month)
            else:
                groups.append((rule, month, month))
        month += 1
    periods = []
    for rule, first, last in groups:
        start = add_months(due, first - 1) + timedelta(days=1)
        end = add_months(due, last)
        months = last - first + 1
        periods.append(
            InterestPeriod(
                period_start=start,
                period_end=end,
                days=(end - start).days + 1,
                months=months,
                percent=rule.percent,
                exact=exact_cost(base, rule.percent, months),
            )
        )
    return periods


def month_charge(
    *,
    interest: Decimal,
    month_interest: Decimal,
    month_fee: Decimal,
    month_total: Decimal,
    minimum: Decimal,
    fee: Decimal,
) -> tuple[Decimal, Decimal, Decimal]:
    """A note's ``(minimum adjustment, fee, total)`` for ``interest`` (its lines), given what the
    month's earlier live notes of the customer and currency charged: their interest, fees and
    totals (see the customer's month in the module's docstring)."""
    month = month_interest + interest
    figure = max(month, minimum) + fee if month > 0 else ZERO
    total = max(ZERO, figure - month_total)
    fee_part = min(max(ZERO, fee - month_fee) if month > 0 else ZERO, total)
    return total - interest - fee_part, fee_part, total
