from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import UnknownCurrency
from core.money import convert, format_amount, has_valid_precision, minor_units, quantize, split


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
