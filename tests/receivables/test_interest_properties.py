"""Properties of the interest calendar: however the calculation dates fall, each overdue day (or
completed month) is charged exactly once, in its own range, and an invoice is charged, to the
cent, what one calculation on the last date charges; recurring periods never repeat."""

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.interest import RangeRule, add_months, interest_periods
from receivables.models import RecurringInvoiceAssignment
from receivables.services.recurring import period_date, periods_due

RANGES = [
    RangeRule(1, 30, Decimal("0.05")),
    RangeRule(31, 90, Decimal("0.1")),
    RangeRule(91, None, Decimal("0.2")),
]
DUE = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


def _run(due, steps, charge_per, grace=0, base=Decimal("1000.00"), ranges=RANGES):
    """Runs on the dates ``steps`` days apart, each given what the earlier ones charged."""
    periods, as_of = [], due
    for step in steps:
        as_of += timedelta(days=step)
        found = interest_periods(
            due_date=due,
            as_of=as_of,
            charged=[(p.period_start, p.period_end) for p in periods],
            charged_amount=sum((p.amount for p in periods), Decimal(0)),
            charged_exact=sum((p.exact for p in periods), Decimal(0)),
            base=base,
            currency="USD",
            charge_per=charge_per,
            ranges_by="day",
            grace_days=grace,
            ranges=ranges,
        )
        periods += found
    return periods, as_of


@settings(max_examples=150, deadline=None)
@given(due=DUE, steps=st.lists(st.integers(min_value=0, max_value=80), min_size=1, max_size=8))
def test_daily_interest_charges_every_overdue_day_once_whatever_the_run_dates(due, steps):
    periods, as_of = _run(due, steps, "day")
    days = [p.period_start + timedelta(days=k) for p in periods for k in range(p.days)]
    assert len(days) == len(set(days)), "a day charged twice"
    expected = {due + timedelta(days=n) for n in range(1, (as_of - due).days + 1)}
    assert set(days) == expected
    for p in periods:  # each line lies in one range, at that range's percent
        first, last = (p.period_start - due).days, (p.period_end - due).days
        rule = next(r for r in RANGES if r.contains(first))
        assert rule.contains(last) and p.percent == rule.percent


@settings(max_examples=150, deadline=None)
@given(due=DUE, steps=st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=6))
def test_monthly_interest_charges_each_completed_month_once(due, steps):
    periods, as_of = _run(due, steps, "month")
    months = sum(p.months for p in periods)
    completed = 0
    while add_months(due, completed + 1) <= as_of:
        completed += 1
    assert months == completed
    spans = sorted((p.period_start, p.period_end) for p in periods)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert start == end + timedelta(days=1), "a gap or an overlap between charged months"


PERCENTS = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("0.5"), places=3)


@settings(max_examples=300, deadline=None)
@given(
    due=DUE,
    charge_per=st.sampled_from(["day", "month"]),
    base=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000.00"), places=2),
    percents=st.tuples(PERCENTS, PERCENTS, PERCENTS),
    grace=st.integers(min_value=0, max_value=10),
    steps=st.lists(st.integers(min_value=0, max_value=70), min_size=1, max_size=8),
)
def test_interest_charged_over_several_runs_equals_one_run_to_the_cent(
    due, charge_per, base, percents, grace, steps
):
    ranges = [
        RangeRule(1, 30, percents[0]),
        RangeRule(31, 90, percents[1]),
        RangeRule(91, None, percents[2]),
    ]
    periods, as_of = _run(due, steps, charge_per, grace, base, ranges)
    once, _ = _run(due, [sum(steps)], charge_per, grace, base, ranges)
    assert sum(p.amount for p in periods) == sum(p.amount for p in once)
    assert all(p.amount >= 0 for p in periods)
    exact = sum((p.exact for p in once), Decimal(0))
    assert sum(p.amount for p in once) == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    spans = sorted((p.period_start, p.period_end) for p in periods)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert start > end, "a day charged twice"


@settings(max_examples=150, deadline=None)
@given(
    start=DUE,
    frequency=st.sampled_from(["days", "weeks", "months", "years"]),
    interval=st.integers(min_value=1, max_value=4),
    horizon=st.integers(min_value=0, max_value=800),
)
def test_recurring_periods_increase_and_stay_month_end_aware(start, frequency, interval, horizon):
    assignment = RecurringInvoiceAssignment(
        start_date=start, frequency=frequency, interval=interval, occurrences=None
    )
    due = periods_due(assignment, start + timedelta(days=horizon), set())
    dates = [d for _, d in due]
    assert dates == sorted(set(dates)) and dates[0] == start
    assert [s for s, _ in due] == list(range(len(due)))
    for sequence, on in due:
        assert on == period_date(
            start=start, frequency=frequency, interval=interval, sequence=sequence
        )
        if frequency in ("months", "years"):  # the start's day, clamped to a shorter month
            assert on.day == min(start.day, calendar.monthrange(on.year, on.month)[1])
