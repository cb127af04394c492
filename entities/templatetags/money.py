"""Amounts as pages show them, by ``core.money``'s one rule (the currency's minor units, half up,
a zero never signed) with thousands separators.

``{{ value|amount:currency }}``: 1,000.00; JPY 1,000; KWD 1.000.
``{{ value|audit_value:currency }}``: a value of the audit trail (old → new), where amounts are
text; those written with the stored four decimals ("-626.2200") are shown as amounts.
"""

import re
from decimal import Decimal, InvalidOperation

from django import template

from core.money import currency_is_known, format_amount, format_decimal

register = template.Library()

# An amount the audit trail kept as text: a plain decimal with a fractional part.
_AMOUNT_TEXT = re.compile(r"-?\d+\.\d+")


@register.filter
def amount(value, currency: str) -> str:
    if value is None or value == "":
        return ""
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    if currency_is_known(currency):
        return format_amount(value, currency, grouping=True)
    return format_decimal(value)


@register.filter
def audit_value(value, currency: str):
    """An old or new value of an audit row: amount text shown in ``currency`` when the page
    names one; anything else (and ``None``, for ``default_if_none``) as it is."""
    if isinstance(value, str) and currency_is_known(currency) and _AMOUNT_TEXT.fullmatch(value):
        return format_amount(Decimal(value), currency, grouping=True)
    return value
