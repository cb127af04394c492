"""Properties of the interest calendar: however the calculation dates fall, each overdue day (or
completed month) is charged exactly once, in its own range, and an invoice is charged, to the
cent, what one calculation on the last date charges; recurring periods never repeat."""

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receivables.exceptions import InterestChargedAgain
from receivables.interest import RangeRule, add_months, interest_periods
from receivables.models import InterestNote, InterestNoteLine, RecurringInvoiceAssignment
from receivables.services import (
    InterestCurrencyInput,
    InterestRangeInput,
    interest_code_save,
    interest_note_post,
    interest_note_reinstate,
    interest_note_reverse,
    interest_note_waive,
    interest_notes_create,
)
from receivables.services.recurring import period_date, periods_due
from tests.factories.entities import CustomerFactory, LegalEntityFactory, PaymentTermsFactory
from tests.factories.receivables import post_invoice

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


# --- the job on a book: however often it runs, with waivers and reversals ---------------------

INVOICE = st.tuples(
    st.integers(min_value=0, max_value=1),  # which customer
    st.integers(min_value=1, max_value=500_000).map(lambda cents: Decimal(cents) / 100),
    st.integers(min_value=1, max_value=150),  # days overdue on the last date
)
AFTER_A_RUN = st.sampled_from(["keep", "waive", "post", "reverse", "waive_reinstate"])


@pytest.mark.django_db
def test_interest_notes_create_charges_as_one_run_however_often_it_runs(db):
    """Two identical books: one is calculated on random earlier dates, its notes kept, waived,
    posted, reversed or waived and reinstated in between, then on the last date; the other once
    on the last date. The charged notes (neither waived nor reversed) of the first charge each
    invoice what the one run charges, to the cent; when every date is in the last date's month
    the totals, minimum and fee included, are equal too. No invoice has two charged lines over
    one day, and a line counts as charged exactly while its note is neither waived nor
    reversed."""
    code = interest_code_save(
        code="PROP",
        charge_per="day",
        ranges=[
            InterestRangeInput(1, 30, Decimal("0.03")),
            InterestRangeInput(31, 60, Decimal("0.05")),
            InterestRangeInput(61, None, Decimal("0.08")),
        ],
        currencies=[InterestCurrencyInput("USD", Decimal("2.50"), Decimal("1.00"))],
        actor=None,
    )
    terms = PaymentTermsFactory(code="N30", net_days=30)
    books = []
    for entity_code in ("ONE", "TWO"):
        entity = LegalEntityFactory(code=entity_code)
        customers = [
            CustomerFactory(
                legal_entity=entity, account=f"400{n}", payment_terms=terms, interest_code=code
            )
            for n in range(2)
        ]
        books.append((entity, customers))
    (once, once_customers), (often, often_customers) = books
    seen = {"waive": 0, "reverse": 0, "refused": 0, "same_month": 0}

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        invoices=st.lists(INVOICE, min_size=1, max_size=3),
        last=st.dates(min_value=date(2026, 3, 1), max_value=date(2026, 11, 30)),
        same_month=st.booleans(),
        earlier=st.lists(st.integers(min_value=1, max_value=150), min_size=1, max_size=3),
        actions=st.lists(AFTER_A_RUN, min_size=6, max_size=6),
        reinstate_old=st.booleans(),
    )
    def run(invoices, last, same_month, earlier, actions, reinstate_old):
        with transaction.atomic():
            pairs = []
            for who, amount, overdue in invoices:
                due = last - timedelta(days=overdue)
                pair = []
                for customer in (once_customers[who], often_customers[who]):
                    invoice = post_invoice(
                        customer, amounts=[str(amount)], on=due - timedelta(days=30), terms=terms
                    )
                    pair.append(invoice.open_transaction.pk)
                pairs.append(pair)
            if same_month:
                dates = sorted({last.replace(day=min(n % 28 + 1, last.day)) for n in earlier})
            else:
                dates = sorted({last - timedelta(days=n) for n in earlier})
            actions = iter(actions * 4)
            for on in dates:
                before = set(InterestNote.objects.values_list("pk", flat=True))
                interest_notes_create(legal_entities=[often], as_of=on, actor=None)
                for note in InterestNote.objects.exclude(pk__in=before).order_by("pk"):
                    _after_a_run(note, next(actions), seen)
                waived = InterestNote.objects.filter(status="waived").order_by("pk").first()
                if reinstate_old and waived is not None:
                    try:
                        interest_note_reinstate(note=waived, actor=None)
                    except InterestChargedAgain:
                        seen["refused"] += 1
            interest_notes_create(legal_entities=[often], as_of=last, actor=None)
            interest_notes_create(legal_entities=[once], as_of=last, actor=None)

            for one_id, often_id in pairs:
                assert _charged_on(one_id) == _charged_on(often_id)
            if same_month:
                seen["same_month"] += 1
                assert _totals(once) == _totals(often)
            else:
                assert _totals(once)[0] == _totals(often)[0]
            _assert_lines_sound()
            transaction.set_rollback(True)

    run()
    assert seen["waive"] and seen["reverse"] and seen["same_month"], seen


def _after_a_run(note, action, seen):
    if action in ("waive", "waive_reinstate"):
        note = interest_note_waive(note=note, actor=None)
        seen["waive"] += 1
        if action == "waive_reinstate":
            interest_note_reinstate(note=note, actor=None)
    elif action in ("post", "reverse"):
        note = interest_note_post(note=note, actor=None)
        if action == "reverse":
            interest_note_reverse(note=note, actor=None)
            seen["reverse"] += 1


def _charged_on(invoice_id):
    return sum(
        InterestNoteLine.objects.filter(open_transaction_id=invoice_id, charged=True).values_list(
            "amount", flat=True
        ),
        Decimal(0),
    )


def _totals(entity):
    live = InterestNote.objects.filter(legal_entity=entity).exclude(
        status__in=["waived", "reversed"]
    )
    return (
        sum(live.values_list("interest", flat=True), Decimal(0)),
        sum(live.values_list("total", flat=True), Decimal(0)),
    )


def _assert_lines_sound():
    spans = {}
    for line in InterestNoteLine.objects.select_related("note").order_by(
        "open_transaction_id", "period_start"
    ):
        assert line.charged == (line.note.status not in ("waived", "reversed"))
        if line.charged:
            spans.setdefault(line.open_transaction_id, []).append(
                (line.period_start, line.period_end)
            )
    for periods in spans.values():
        for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
            assert start > end, "an invoice charged twice for a day"
