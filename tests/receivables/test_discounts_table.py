"""The cash discount rule (``receivables.discounts``) as tables of hand-worked figures; no
database: codes, entities and open transactions are plain stand-ins."""

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from receivables.discounts import (
    DiscountOffer,
    ScheduledDiscount,
    cash_discount_available,
    discount_applies,
    discount_base,
    discount_schedule,
    effective_discount,
    open_transaction_discount,
    open_transaction_discounts,
    partial_discount,
    period_on,
    posting_schedule,
)

MARCH_2 = date(2026, 3, 2)
TWO_THEN_ONE = [(date(2026, 3, 7), D("2")), (date(2026, 3, 16), D("1"))]  # 2 % 5 days, 1 % 14


def _periods(*pairs):
    return [SimpleNamespace(days=days, percent=D(percent)) for days, percent in pairs]


def _code(*pairs):
    periods = _periods(*pairs)
    return SimpleNamespace(periods=SimpleNamespace(all=lambda: periods))


def _entity(*, on_credit_notes=False, includes_tax=False):
    return SimpleNamespace(
        cash_discount_on_credit_notes=on_credit_notes,
        cash_discount_base_includes_tax=includes_tax,
    )


@pytest.mark.parametrize(
    ("is_invoice", "on_credit_notes", "applies"),
    [(True, False, True), (True, True, True), (False, False, False), (False, True, True)],
)
def test_discount_applies_to_invoices_and_credit_notes_by_parameter(
    is_invoice, on_credit_notes, applies
):
    assert discount_applies(is_invoice=is_invoice, on_credit_notes=on_credit_notes) is applies


@pytest.mark.parametrize(("includes_tax", "base"), [(False, D("600.00")), (True, D("638.22"))])
def test_discount_base_excludes_sales_tax_unless_configured(includes_tax, base):
    assert (
        discount_base(amount_before_tax=D("600.00"), total=D("638.22"), includes_tax=includes_tax)
        == base
    )


@pytest.mark.parametrize(
    ("periods", "base", "currency", "schedule"),
    [
        # A4: 2 % within 10 days of 600.00 EUR before tax.
        (_periods((10, "2")), D("600.00"), "EUR", [(date(2026, 3, 12), D("2"), D("12.00"))]),
        # Periods come earliest first whatever their order; each is rounded once.
        (
            _periods((14, "1"), (5, "2")),
            D("638.22"),
            "USD",
            [(date(2026, 3, 7), D("2"), D("12.76")), (date(2026, 3, 16), D("1"), D("6.38"))],
        ),
        (_periods((10, "2")), D("1000"), "JPY", [(date(2026, 3, 12), D("2"), D("20"))]),
        ([], D("100.00"), "USD", []),
    ],
)
def test_discount_schedule_takes_each_percent_of_the_base(periods, base, currency, schedule):
    got = discount_schedule(periods=periods, on=MARCH_2, base=base, currency=currency)
    assert got == schedule
    assert all(isinstance(row, ScheduledDiscount) for row in got)


@pytest.mark.parametrize(
    ("code", "is_invoice", "entity", "schedule"),
    [
        (_code((10, "2")), True, _entity(), [(date(2026, 3, 12), D("2"), D("12.00"))]),
        (
            _code((10, "2")),
            True,
            _entity(includes_tax=True),
            [(date(2026, 3, 12), D("2"), D("12.76"))],
        ),
        (_code((10, "2")), False, _entity(), []),
        (
            _code((10, "2")),
            False,
            _entity(on_credit_notes=True),
            [(date(2026, 3, 12), D("2"), D("12.00"))],
        ),
        (None, True, _entity(), []),
    ],
)
def test_posting_schedule_decides_base_and_whether_a_document_carries_one(
    code, is_invoice, entity, schedule
):
    assert (
        posting_schedule(
            cash_discount=code,
            is_invoice=is_invoice,
            entity=entity,
            on=MARCH_2,
            amount_before_tax=D("600.00"),
            total=D("638.22"),
            currency="USD",
        )
        == schedule
    )


@pytest.mark.parametrize(
    ("on", "period"),
    [
        (date(2026, 3, 2), TWO_THEN_ONE[0]),
        (date(2026, 3, 7), TWO_THEN_ONE[0]),  # the last day still counts
        (date(2026, 3, 8), TWO_THEN_ONE[1]),
        (date(2026, 3, 16), TWO_THEN_ONE[1]),
        (date(2026, 3, 17), None),
    ],
)
def test_period_on_is_the_first_whose_last_day_has_not_passed(on, period):
    assert period_on(TWO_THEN_ONE, on) == period
    assert period_on(list(reversed(TWO_THEN_ONE)), on) == period


@pytest.mark.parametrize(
    ("open_amount", "amount", "before_tax", "percent", "includes_tax", "currency", "expected"),
    [
        # A4: 2 % of 600.00 before tax on a total of 638.22.
        (D("638.22"), D("638.22"), D("600.00"), D("2"), False, "EUR", D("12.00")),
        (D("638.22"), D("638.22"), D("600.00"), D("2"), True, "EUR", D("12.76")),
        # SPEC 5: 1 % on 1,000.00, 700.00 still open.
        (D("700.00"), D("1000.00"), D("1000.00"), D("1"), False, "USD", D("7.00")),
        # The effective percent applied to part of a taxed total: 2 × 600 ÷ 638.22 of 300.00.
        (D("300.00"), D("638.22"), D("600.00"), D("2"), False, "USD", D("5.64")),
        (D("100.00"), D("100.00"), D("100.00"), D("0"), False, "USD", D("0")),
        (D("100.00"), D("0"), D("0"), D("2"), False, "USD", D("2.00")),
    ],
)
def test_effective_discount_on_the_open_amount(
    open_amount, amount, before_tax, percent, includes_tax, currency, expected
):
    got, rate = effective_discount(
        open_amount=open_amount,
        amount=amount,
        amount_before_tax=before_tax,
        percent=percent,
        base_includes_tax=includes_tax,
        currency=currency,
    )
    assert got == expected
    if percent and amount and not includes_tax:
        assert rate == percent * before_tax / (100 * amount)


@pytest.mark.parametrize(
    ("cash", "rate", "available", "open_amount", "allowed", "expected"),
    [
        # SPEC 5: 297.00 paid with 1 % available → 297 ÷ 0.99 × 0.01 = 3.00.
        (D("297.00"), D("0.01"), D("10.00"), D("1000.00"), True, D("3.00")),
        (D("297.00"), D("0.01"), D("10.00"), D("1000.00"), False, D("0")),
        (D("0"), D("0.01"), D("10.00"), D("1000.00"), True, D("0")),
        (D("297.00"), D("0"), D("10.00"), D("1000.00"), True, D("0")),
        # B3: 49.00 paid with 2 % → 1.00, the invoice open 50.00.
        (D("49.00"), D("0.02"), D("2.00"), D("100.00"), True, D("1.00")),
        # Never more than the full discount available …
        (D("980.00"), D("0.02"), D("19.00"), D("1000.00"), True, D("19.00")),
        # … nor more than the cash leaves open: 99 ÷ 0.98 × 0.02 = 2.02, 1.00 left.
        (D("99.00"), D("0.02"), D("2.00"), D("100.00"), True, D("1.00")),
    ],
)
def test_partial_discount_earned_by_a_cash_part(
    cash, rate, available, open_amount, allowed, expected
):
    assert (
        partial_discount(
            cash=cash,
            rate=rate,
            available=available,
            open_amount=open_amount,
            currency="USD",
            allowed=allowed,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("on", "open_amount", "amount", "before_tax", "expected"),
    [
        (date(2026, 3, 5), D("1000.00"), D("1000.00"), D("1000.00"), ("20.00", "2", "03-07")),
        (date(2026, 3, 10), D("700.00"), D("1000.00"), D("1000.00"), ("7.00", "1", "03-16")),
        (date(2026, 3, 17), D("700.00"), D("1000.00"), D("1000.00"), None),  # expired
        (date(2026, 3, 5), D("0.00"), D("1000.00"), D("1000.00"), None),  # closed
        (date(2026, 3, 10), D("0.40"), D("1000.00"), D("1000.00"), None),  # worth nothing
        # A credit note's offer is negative (B4: −2.00 on −100.00 at 2 %).
        (date(2026, 3, 5), D("-100.00"), D("-100.00"), D("-100.00"), ("-2.00", "2", "03-07")),
        (date(2026, 3, 10), D("638.22"), D("638.22"), D("600.00"), ("6.00", "1", "03-16")),
    ],
)
def test_cash_discount_available_on_a_date_for_an_open_amount(
    on, open_amount, amount, before_tax, expected
):
    offer = cash_discount_available(
        periods=TWO_THEN_ONE,
        on=on,
        open_amount=open_amount,
        amount=amount,
        amount_before_tax=before_tax,
        base_includes_tax=False,
        currency="USD",
    )
    if expected is None:
        assert offer is None
        return
    amount_text, percent, until = expected
    assert offer == DiscountOffer(
        amount=D(amount_text),
        percent=D(percent),
        until=date.fromisoformat(f"2026-{until}"),
        rate=offer.rate,
    )
    assert offer.rate == D(percent) * abs(before_tax) / (100 * abs(amount))


def _open_transaction(open_amount, *, amount=D("1000.00"), includes_tax=False):
    # Stored amounts of the schedule at posting, which the offers must not use.
    rows = [SimpleNamespace(until=u, percent=p, amount=D("999.99")) for u, p in TWO_THEN_ONE]
    return SimpleNamespace(
        open_amount=open_amount,
        amount=amount,
        amount_before_tax=amount,
        currency="USD",
        legal_entity=_entity(includes_tax=includes_tax),
        cash_discounts=SimpleNamespace(all=lambda: list(reversed(rows))),
    )


@pytest.mark.parametrize(
    ("on", "open_amount", "offered"),
    [
        (None, D("700.00"), [("14.00", "03-07"), ("7.00", "03-16")]),  # every period
        (date(2026, 3, 5), D("700.00"), [("14.00", "03-07"), ("7.00", "03-16")]),
        (date(2026, 3, 10), D("700.00"), [("7.00", "03-16")]),
        (date(2026, 3, 17), D("700.00"), []),
        (None, D("0.00"), [("0.00", "03-07"), ("0.00", "03-16")]),
        (date(2026, 3, 5), D("0.00"), []),
    ],
)
def test_open_transaction_discounts_on_what_is_open_now(on, open_amount, offered):
    ot = _open_transaction(open_amount)
    offers = open_transaction_discounts(ot, on=on)
    assert [(str(o.amount), o.until.isoformat()[5:]) for o in offers] == offered
    first = open_transaction_discount(ot, on=on) if on else None
    assert first == (offers[0] if on and offers else None)
