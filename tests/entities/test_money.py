from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.errors import UnknownCurrency
from core.money import (
    convert,
    format_amount,
    format_amount_localized,
    format_decimal,
    format_decimal_localized,
    has_valid_precision,
    minor_units,
    quantize,
    split,
)


@pytest.mark.parametrize(("currency", "units"), [("JPY", 0), ("USD", 2), ("EUR", 2), ("KWD", 3)])
def test_minor_units_per_currency(currency, units):
    assert minor_units(currency) == units


def test_minor_units_unknown_currency_names_it():
    with pytest.raises(UnknownCurrency, match="'ABC'"):
        minor_units("ABC")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.005", "USD", "0.01"),
        ("-0.005", "USD", "-0.01"),
        ("2.5", "JPY", "3"),
        ("1.0005", "KWD", "1.001"),
        ("723.7200", "USD", "723.72"),
    ],
)
def test_quantize_rounds_half_up_to_minor_units(amount, currency, expected):
    assert quantize(Decimal(amount), currency) == Decimal(expected)
    assert format_amount(Decimal(amount), currency) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        # Stored amounts carry four decimals; they are written with the currency's own.
        ("1037.1100", "USD", "1037.11"),
        ("-626.2200", "EUR", "-626.22"),
        ("330.1700", "KWD", "330.170"),
        ("1037.0000", "JPY", "1037"),
        # Half up, away from zero, in each currency's minor unit.
        ("1037.5", "JPY", "1038"),
        ("-1037.5", "JPY", "-1038"),
        ("1037.4999", "JPY", "1037"),
        ("10.125", "USD", "10.13"),
        ("-10.125", "USD", "-10.13"),
        ("10.1245", "USD", "10.12"),
        ("1.0005", "KWD", "1.001"),
        ("-1.0005", "KWD", "-1.001"),
        # A zero is never signed, however it came about.
        ("-0", "JPY", "0"),
        ("-0.4", "JPY", "0"),
        ("-0.0000", "USD", "0.00"),
        ("-0.004", "USD", "0.00"),
        ("-0.0004", "KWD", "0.000"),
        ("0", "KWD", "0.000"),
        ("1E+3", "USD", "1000.00"),
    ],
)
def test_format_amount_minor_units_half_up_and_no_negative_zero(amount, currency, expected):
    assert format_amount(Decimal(amount), currency) == expected


def test_quantize_gives_an_unsigned_zero():
    for amount, currency in (("-0.004", "USD"), ("-0.4", "JPY"), ("-0", "KWD")):
        zero = quantize(Decimal(amount), currency)
        assert zero == 0 and not zero.is_signed()
    assert quantize(Decimal(-1) * Decimal("0.00"), "USD").is_signed() is False


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1234567.895", "USD", "1,234,567.90"),
        ("-1234567.5", "JPY", "-1,234,568"),
        ("1000.0005", "KWD", "1,000.001"),
        ("-0.001", "USD", "0.00"),
        ("999.999", "USD", "1,000.00"),
    ],
)
def test_format_amount_with_grouping_as_pages_show_it(amount, currency, expected):
    assert format_amount(Decimal(amount), currency, grouping=True) == expected


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en", "1234.555", "EUR", "1,234.56"),
        ("fr", "1234.555", "EUR", "1\xa0234,56"),
        ("nb", "1234.555", "EUR", "1\xa0234,56"),
        ("fr", "-1234567.5", "JPY", "-1\xa0234\xa0568"),
        ("nb", "1000.0005", "KWD", "1\xa0000,001"),
        ("fr", "-0.001", "USD", "0,00"),
        ("nb", "999.999", "USD", "1\xa0000,00"),
    ],
)
def test_format_amount_localized_writes_the_one_rounding_in_the_active_language(
    language, amount, currency, expected
):
    with translation.override(language):
        assert format_amount_localized(Decimal(amount), currency) == expected


def test_format_decimal_localized_uses_the_language_decimal_separator():
    with translation.override("fr"):
        assert format_decimal_localized(Decimal("-0.0000")) == "0,0000"
        assert format_decimal_localized(Decimal("-12.3400")) == "-12,3400"


def test_format_decimal_without_a_currency_keeps_the_amount_but_not_a_negative_zero():
    assert format_decimal(Decimal("-0.0000")) == "0.0000"
    assert format_decimal(Decimal("-12.3400")) == "-12.3400"


@given(
    amount=st.decimals(min_value=-(10**12), max_value=10**12, places=4),
    currency=st.sampled_from(["JPY", "USD", "EUR", "KWD", "BHD", "CLF"]),
)
def test_format_amount_always_has_exactly_the_minor_units_and_no_negative_zero(amount, currency):
    text = format_amount(amount, currency)
    whole, _, decimals = text.partition(".")
    assert len(decimals) == minor_units(currency)
    assert whole.lstrip("-").isdigit()
    assert Decimal(text) == quantize(amount, currency)
    assert not (text.startswith("-") and Decimal(text) == 0)


def test_amount_filter_writes_amounts_as_pages_show_them():
    from entities.templatetags.money import amount

    assert amount(Decimal("1037.1100"), "USD") == "1,037.11"
    assert amount("1037.5000", "JPY") == "1,038"
    assert amount(Decimal("-0.0000"), "KWD") == "0.000"
    assert amount(Decimal("-0.0000"), "") == "0.0000"  # no currency: as it is, unsigned
    assert amount(None, "USD") == ""


def test_audit_value_filter_shows_stored_amount_text_in_the_pages_currency():
    from entities.templatetags.money import audit_value

    assert audit_value("-626.2200", "EUR") == "-626.22"
    assert audit_value("1037.1150", "KWD") == "1,037.115"
    assert audit_value("-626.2200", "") == "-626.2200"  # the page names no currency
    assert audit_value("posted", "EUR") == "posted"
    assert audit_value(None, "EUR") is None
    assert audit_value(7, "EUR") == 7


def test_convert_a3_and_a4_amounts():
    assert convert(Decimal("600.00"), Decimal("1.2062"), "USD") == Decimal("723.72")
    assert convert(Decimal("600.00"), Decimal("1.2277"), "USD") == Decimal("736.62")
    assert convert(Decimal("638.22"), Decimal("1.2062"), "USD") == Decimal("769.82")
    assert convert(Decimal("38.22"), Decimal("1.2062"), "USD") == Decimal("46.10")
    assert convert(Decimal("626.22"), Decimal("1.2277"), "USD") == Decimal("768.81")


def test_has_valid_precision():
    assert has_valid_precision(Decimal("10.25"), "USD")
    assert not has_valid_precision(Decimal("10.255"), "USD")
    assert not has_valid_precision(Decimal("10.5"), "JPY")
    assert has_valid_precision(Decimal("10.125"), "KWD")


def test_split_largest_remainder_sums_exactly():
    assert split(Decimal("100.00"), [Decimal(1)] * 3, "USD") == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    assert split(Decimal("-10"), [Decimal(1), Decimal(2)], "JPY") == [Decimal("-3"), Decimal("-7")]


@given(
    total=st.decimals(min_value=-(10**9), max_value=10**9, places=2),
    weights=st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=10**6, places=2), min_size=1, max_size=12
    ),
)
def test_split_parts_always_sum_to_total(total, weights):
    parts = split(total, weights, "USD")
    assert sum(parts) == total
    assert all(has_valid_precision(p, "USD") for p in parts)
