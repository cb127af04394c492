"""Money arithmetic: currency minor units, half-up rounding and exact splitting; amounts written
and read the way a page's language writes numbers.

Every rounding of an amount in the project happens here.
"""

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision
from moneyed import CURRENCIES

from core.errors import UnknownCurrency

ZERO = Decimal("0")
# Stored amounts carry four decimals: enough for every ISO 4217 currency's minor units.
AMOUNT_DECIMAL_PLACES = 4
AMOUNT_MAX_DIGITS = 20
RATE_DECIMAL_PLACES = 10
RATE_MAX_DIGITS = 24


def currency_is_known(code: str) -> bool:
    return isinstance(code, str) and code in CURRENCIES and code != "XXX"


def validate_currency(code: str) -> str:
    if not currency_is_known(code):
        raise UnknownCurrency(code)
    return code


@lru_cache(maxsize=512)
def minor_units(currency: str) -> int:
    """Number of decimals of a currency: JPY 0, EUR 2, KWD 3."""
    validate_currency(currency)
    return int(get_currency_precision(currency))


@lru_cache(maxsize=512)
def _exponent(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor units; a zero is always unsigned (-0.004 USD is
    0.00, never -0.00)."""
    rounded = Decimal(amount).quantize(_exponent(currency), rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def has_valid_precision(amount: Decimal, currency: str) -> bool:
    """True when ``amount`` has no more decimals than the currency allows."""
    return Decimal(amount) == Decimal(amount).quantize(_exponent(currency))


def convert(amount: Decimal, rate: Decimal, to_currency: str) -> Decimal:
    """``round(amount × rate)`` in the target currency's minor units, half up."""
    return quantize(Decimal(amount) * Decimal(rate), to_currency)


def format_amount(amount: Decimal, currency: str, *, grouping: bool = False) -> str:
    """The one way an amount is written, in the API, exports, pages and messages: exactly the
    currency's minor units, rounded half up, a zero never signed ("600.00", "1000", "0.000",
    "-626.22"); with ``grouping``, thousands separated by commas ("1,000.00"), as pages show
    them."""
    rounded = quantize(amount, currency)
    return f"{rounded:,f}" if grouping else f"{rounded:f}"


def format_amount_localized(amount: Decimal, currency: str) -> str:
    """``format_amount`` with grouping, written with the active language's separators, as pages
    and letters show it: "1,234.56" in English, "1 234,56" in French and Norwegian (a no-break
    space). The digits, and so the rounding, are ``format_amount``'s."""
    return _localized_separators(format_amount(amount, currency, grouping=True))


def format_decimal_localized(amount: Decimal) -> str:
    """``format_decimal`` with the active language's decimal separator."""
    return _localized_separators(format_decimal(amount))


def format_amount_input(amount: Decimal, currency: str) -> str:
    """An amount as an input shows it for the clerk to change: ``format_amount`` without
    grouping, with the active language's decimal separator ("1234.56", "1234,56"), so that it
    reads back by ``amount_parse_localized`` as it is."""
    return _localized_separators(format_amount(amount, currency))


def _localized_separators(text: str) -> str:
    from django.utils import formats

    return text.translate(
        {
            ord(","): formats.get_format("THOUSAND_SEPARATOR"),
            ord("."): formats.get_format("DECIMAL_SEPARATOR"),
        }
    )


def format_decimal(amount: Decimal) -> str:
    """An amount whose currency is not known, as it is but a zero never signed: for the few
    places that must show something rather than fail (``format_amount`` otherwise)."""
    value = Decimal(amount)
    return f"{value.copy_abs() if value.is_zero() else value:f}"


def split(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` so that the parts sum exactly to it.

    Largest-remainder method: each part is rounded down to the minor unit, then the units left
    over go one by one to the parts with the largest remainders (ties to the earliest).
    """
    if not weights:
        return []
    weight_sum = sum(weights, ZERO)
    if weight_sum == 0:
        raise ValueError("Cannot split by weights that sum to zero.")
    unit = _exponent(currency)
    sign = -1 if total < 0 else 1
    magnitude = abs(Decimal(total))
    exact = [magnitude * Decimal(w) / weight_sum for w in weights]
    floors = [(e / unit).to_integral_value(rounding="ROUND_FLOOR") * unit for e in exact]
    left = int(((magnitude - sum(floors, ZERO)) / unit).to_integral_value())
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += unit
    return [sign * part for part in floors]


# What groups thousands in a typed amount, besides the language's own separator: a space, a
# no-break space (what pages write in French and Norwegian, so a copied amount reads back) and a
# narrow no-break space (French typography, and what some keyboards and spreadsheets write).
GROUP_SPACES = " \u00a0\u202f"
_DIGITS = re.compile(r"[0-9]*")  # ASCII only: str.isdigit() would take "²" or "١٢٣"
_MINUS_SIGNS = ("-", "\u2212")
# Longer than any amount a field takes (20 digits, separators and a sign): refused unread.
_MAX_TYPED = 64


class AmountUnreadable(ValueError):
    """Typed text that is no amount by ``amount_parse_localized``'s rule; the form says so in
    the user's language, beside the field."""


def amount_parse_localized(text: str) -> Decimal:
    """An amount (or a quantity, a unit price, a percentage) as a clerk types it, read the way
    the active language writes numbers; ``AmountUnreadable`` when it is not one.

    The rule, the same in every language:

    - The language's decimal separator (the point in English, the comma in French and
      Norwegian) marks the decimals, once. A sign may lead: "-5", "+5", "−5".
    - Spaces group thousands (a space, U+00A0 and U+202F), and so does the language's thousands
      separator (the comma in English: "1,234" is one thousand two hundred thirty-four). After
      the first group of one to three digits every group has three: "1 234 567" is read, "12 34"
      or "120,50" in English is refused, being more likely a slip than a number.
    - Where the decimal separator is the comma, a point is read too, as a bank file or a numeric
      keypad writes it: a single point is the decimal point ("120.50"; "1.234" is 1.234, not
      1234: one point is always a decimal point, and a payment of 1.234 EUR is then refused for
      its decimals rather than a thousandfold one posted). Points that cannot be decimals group
      thousands: several ("1.234.567") or before the comma ("1.234,56"); a point after the comma
      ("1,234.56") is refused.
    - ASCII digits only; no exponent ("1e3"), "NaN" or "Infinity". The digits are kept as typed,
      never through a float: "120,50" is ``Decimal("120.50")``. How many decimals a currency
      takes is the services' to check.
    """
    from django.utils import formats

    return _amount_parse(
        text,
        decimal=formats.get_format("DECIMAL_SEPARATOR"),
        thousand=formats.get_format("THOUSAND_SEPARATOR"),
    )


def _amount_parse(text: str, *, decimal: str, thousand: str) -> Decimal:
    if not isinstance(text, str) or len(text) > _MAX_TYPED:
        raise AmountUnreadable(text)
    value = text.strip()
    sign = ""
    if value[:1] in ("+", *_MINUS_SIGNS):
        sign = "-" if value[0] in _MINUS_SIGNS else ""
        value = value[1:]
    if decimal != "." and "." in value:
        if decimal not in value and value.count(".") == 1:
            value = value.replace(".", decimal)
        elif decimal in value and value.rfind(".") > value.find(decimal):
            raise AmountUnreadable(text)
        else:
            value = value.replace(".", " ")
    groups = GROUP_SPACES + thousand
    whole, _sep, fraction = value.partition(decimal)
    if not _DIGITS.fullmatch(fraction):
        raise AmountUnreadable(text)
    if any(c in groups for c in whole):
        parts = re.split(f"[{re.escape(groups)}]", whole)
        if not 1 <= len(parts[0]) <= 3 or any(len(p) != 3 for p in parts[1:]):
            raise AmountUnreadable(text)
        whole = "".join(parts)
    if not _DIGITS.fullmatch(whole) or not (whole or fraction):
        raise AmountUnreadable(text)
    return Decimal(f"{sign}{whole or '0'}" + (f".{fraction}" if fraction else ""))
