"""Interest arithmetic and calendar: the day-count rule of interest notes, and month-end aware
month arithmetic shared with recurring invoices.

The day-count rule
------------------
Day n overdue is the n-th day after the due date (the due date itself is not overdue). Month k
overdue runs from the day after ``add_months(due, k - 1)`` to ``add_months(due, k)`` included
(month-end aware: due Jan 31 → month 1 ends Feb 28 or 29, month 2 ends Mar 31).

- Grace: while an invoice is overdue ``grace_days`` days or fewer on the calculation date, it is
  not charged; past the grace days it is charged from day 1.
- Charged per day: every overdue day not charged before, up to the calculation date, is charged
  ``percent`` of the base for that day, at the percent of the range the day falls in (ranges by
  days: its day number; ranges by months: the month it falls in). One line per range:
  ``base × percent ÷ 100 × days``, rounded half up to the currency once per line.
- Charged per month: only completed overdue months are charged (a month in progress waits for
  the next calculation), each at the percent of its range (ranges by months: its number; ranges
  by days: the day number of its last day). One line per range: ``base × percent ÷ 100 ×
  months``, rounded once.
- A day or month in no range is not charged. The base is the invoice's open amount on the
  calculation date. A period once charged (on a note in any status) is never charged again:
  the next calculation starts the day after the last charged day.
- Per currency, the customer's first note of a calendar month gets the fixed fee, and its
  interest is raised to the minimum; later notes of that month get neither (a reversed note
  does not count), so running the job more often does not charge more.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from entities.money import quantize

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
    amount: Decimal


def ranges_overlap(ranges: list[RangeRule]) -> tuple[RangeRule, RangeRule] | None:
    """The first two ranges that share a day or month, if any."""
    ordered = sorted(ranges, key=lambda r: r.from_overdue)
    for left, right in zip(ordered, ordered[1:], strict=False):
        if left.to_overdue is None or left.to_overdue >= right.from_overdue:
            return left, right
    return None


def _rule_for(ranges: list[RangeRule], n: int) -> RangeRule | None:
    return next((r for r in ranges if r.contains(n)), None)


def interest_periods(
    *,
    due_date: date,
    as_of: date,
    charged_through: date | None,
    base: Decimal,
    currency: str,
    charge_per: str,
    ranges_by: str,
    grace_days: int,
    ranges: list[RangeRule],
) -> list[InterestPeriod]:
    """The periods of one invoice to charge on ``as_of`` (see the module's day-count rule)."""
    if base <= 0 or (as_of - due_date).days <= grace_days or as_of <= due_date:
        return []
    ranges = sorted(ranges, key=lambda r: r.from_overdue)
    if charge_per == MONTH:
        return _monthly(due_date, as_of, charged_through, base, currency, ranges_by, ranges)
    return _daily(due_date, as_of, charged_through, base, currency, ranges_by, ranges)


def _daily(due, as_of, charged_through, base, currency, ranges_by, ranges):
    start = max(due, charged_through or due) + timedelta(days=1)
    periods = []
    for rule in ranges:
        if ranges_by == DAY:
            low = due + timedelta(days=rule.from_overdue)
            high = due + timedelta(days=rule.to_overdue) if rule.to_overdue is not None else as_of
        else:
            low = add_months(due, rule.from_overdue - 1) + timedelta(days=1)
            high = add_months(due, rule.to_overdue) if rule.to_overdue is not None else as_of
        first, last = max(low, start), min(high, as_of)
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
                amount=quantize(base * rule.percent / 100 * days, currency),
            )
        )
    return periods


def _monthly(due, as_of, charged_through, base, currency, ranges_by, ranges):
    first_month = 1
    if charged_through is not None:
        while add_months(due, first_month - 1) < charged_through:
            first_month += 1
    groups: list[tuple[RangeRule, int, int]] = []  # (rule, first month, last month)
    month = first_month
    while add_months(due, month) <= as_of:
        end = add_months(due, month)
        key = month if ranges_by == MONTH else (end - due).days
        rule = _rule_for(ranges, key)
        if rule is not None:
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
                amount=quantize(base * rule.percent / 100 * months, currency),
            )
        )
    return periods
