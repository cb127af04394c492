"""Amounts as a clerk types them, read in the user's language (``core.money.
amount_parse_localized``), and the form field every clerk page uses for them
(``core.forms.LocalizedAmountField``): what it accepts and refuses, what it shows, and its
error naming the field in the user's language."""

from decimal import Decimal

import pytest
from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from hypothesis import given
from hypothesis import strategies as st

from core.forms import LocalizedAmountField
from core.money import (
    AmountUnreadable,
    amount_parse_localized,
    format_amount_input,
    format_amount_localized,
    quantize,
)

NBSP = "\u00a0"
NNBSP = "\u202f"


def _parse(language: str, text: str) -> Decimal:
    with translation.override(language):
        return amount_parse_localized(text)


@pytest.mark.parametrize("language", ["fr", "nb"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120,50", "120.50"),
        ("120.50", "120.50"),  # pasted from a bank file
        ("1234,56", "1234.56"),
        ("1 234,56", "1234.56"),
        (f"1{NBSP}234,56", "1234.56"),  # as the pages write it
        (f"1{NNBSP}234,56", "1234.56"),
        (f"12{NBSP}345{NBSP}678,9", "12345678.9"),
        ("1 234.56", "1234.56"),
        ("1.234,56", "1234.56"),  # points before the comma group thousands
        ("1.234.567", "1234567"),  # several points can only group thousands
        ("1.234", "1.234"),  # one point is a decimal point: never a thousandfold amount
        ("1,234", "1.234"),
        ("0,40", "0.40"),
        (",5", "0.5"),
        ("5,", "5"),
        ("  120,50  ", "120.50"),
        ("-5,25", "-5.25"),
        ("\u22125,25", "-5.25"),
        ("+1 000", "1000"),
        ("600", "600"),
    ],
)
def test_amount_parse_localized_reads_french_and_norwegian(language, text, expected):
    value = _parse(language, text)
    assert value == Decimal(expected)
    assert str(value) == expected  # the digits as typed, never through a float


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1,234", "1234"),  # one thousand two hundred thirty-four
        ("1,234,567.5", "1234567.5"),
        ("1 234.56", "1234.56"),
        (f"1{NBSP}234.56", "1234.56"),
        ("1.234", "1.234"),
        ("-5", "-5"),
        (".5", "0.5"),
        ("100.0000", "100.0000"),
    ],
)
def test_amount_parse_localized_reads_english(text, expected):
    value = _parse("en", text)
    assert str(value) == expected


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "120,50"),  # groups have three digits: a slip, not 12050
        ("en", "1,23"),
        ("en", "1 234,56"),
        ("en", "1.234,56"),
        ("en", "12.3x"),
        ("fr", "1,234.56"),  # a point after the decimal comma
        ("fr", "1,2,3"),
        ("fr", "12 34"),
        ("fr", "1234 567"),
        ("fr", "1  234"),
        ("fr", " 1 234 ,5 6"),
        ("fr", "1.23.4"),
        ("nb", "12,3x"),
        ("nb", "- 5"),
        ("nb", "--5"),
        ("fr", "1e3"),
        ("en", "1e3"),
        ("en", "NaN"),
        ("fr", "Infinity"),
        ("fr", "١٢٣"),  # digits other than ASCII
        ("fr", ""),
        ("fr", "   "),
        ("fr", ","),
        ("en", "."),
        ("en", "-"),
        ("fr", "1" * 65),
    ],
)
def test_amount_parse_localized_refuses(language, text):
    with pytest.raises(AmountUnreadable):
        _parse(language, text)


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "1234.50"), ("fr", "1234,50"), ("nb", "1234,50")]
)
def test_format_amount_input_writes_what_reads_back(language, expected):
    with translation.override(language):
        text = format_amount_input(Decimal("1234.5"), "EUR")
        assert text == expected
        assert amount_parse_localized(text) == Decimal("1234.50")


class _Form(forms.Form):
    amount = LocalizedAmountField(max_digits=20, decimal_places=4, label=_("Amount"))
    quantity = LocalizedAmountField(
        max_digits=14, decimal_places=4, required=False, min_value=0, label=_("Quantity")
    )


@pytest.mark.parametrize("language", ["fr", "nb"])
def test_localized_amount_field_cleans_a_decimal_comma(language):
    with translation.override(language):
        form = _Form({"amount": f"1{NBSP}000,25", "quantity": "2,5"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data == {"amount": Decimal("1000.25"), "quantity": Decimal("2.5")}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Amount: enter a number such as 120.50."),
        ("fr", "Montant : saisissez un nombre, par exemple 120,50."),
        ("nb", "Beløp: skriv inn et tall, for eksempel 120,50."),
    ],
)
def test_localized_amount_field_error_names_the_field_in_the_language(language, message):
    with translation.override(language):
        form = _Form({"amount": "12,3x"})
        assert not form.is_valid()
        assert form.errors["amount"] == [message]


def test_localized_amount_field_keeps_decimal_field_checks_and_own_messages():
    class Journal(forms.Form):
        amount = LocalizedAmountField(
            max_digits=20, decimal_places=4, error_messages={"invalid": "Enter an amount."}
        )

    with translation.override("fr"):
        assert Journal({"amount": "abc"}).errors["amount"] == ["Enter an amount."]
        assert not Journal({"amount": "1,23456"}).is_valid()  # five decimals
        assert not _Form({"amount": "1", "quantity": "-1"}).is_valid()  # min_value


@pytest.mark.parametrize(
    ("language", "initial", "shown"),
    [
        ("en", Decimal("1234.5000"), 'value="1234.5000"'),
        ("fr", Decimal("1234.5000"), 'value="1234,5000"'),
        ("fr", "120.50", 'value="120,50"'),  # as format_amount writes it for a view
        ("nb", "120,50", 'value="120,50"'),
        ("fr", 1, 'value="1"'),
        ("en", "120.50", 'value="120.50"'),
    ],
)
def test_localized_amount_field_shows_its_value_in_the_language(language, initial, shown):
    with translation.override(language):
        html = str(_Form(initial={"amount": initial})["amount"])
    assert shown in html
    assert 'type="text"' in html and 'inputmode="decimal"' in html


def test_localized_amount_field_shows_what_was_typed_as_typed():
    with translation.override("fr"):
        html = str(_Form({"amount": "12,3x"})["amount"])
        assert 'value="12,3x"' in html
        assert 'value="1 000,25"' in str(_Form({"amount": "1 000,25"})["amount"])


@given(
    amount=st.decimals(min_value=-(10**15), max_value=10**15, places=4, allow_nan=False),
    currency=st.sampled_from(["EUR", "JPY", "KWD"]),
    language=st.sampled_from(["en", "fr", "nb"]),
)
def test_amounts_the_pages_write_read_back(amount, currency, language):
    """What a page shows ("1 234,56", grouped) and what an input holds ("1234,56") read back
    as the amount itself: a clerk may copy either into a field."""
    with translation.override(language):
        shown = format_amount_localized(amount, currency)
        held = format_amount_input(amount, currency)
        assert amount_parse_localized(shown) == quantize(amount, currency)
        assert amount_parse_localized(held) == quantize(amount, currency)
