"""Money arithmetic: currency minor units, half-up rounding and exact splitting.

Every rounding of an amount in the project happens here.
"""

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
