"""Amounts as pages show them, by ``core.money``'s one rule (the currency's minor units, half up,
a zero never signed) with thousands separators, in the active language's way of writing numbers.

``{{ value|amount:currency }}``: 1,000.00; JPY 1,000; KWD 1.000 in English; 1 000,00 in French
and Norwegian (a no-break space).
``{{ value|audit_value:currency }}``: a value of the audit trail (old → new), where amounts are
text; those written with the stored four decimals ("-626.2200") are shown as amounts.
``{% number_separators %}``: the ``data-decimal-separator`` and ``data-thousand-separator``
attributes of an element whose script reads and writes amounts as the page does.
"""

import re
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats
from django.utils.html import format_html

from core.money import currency_is_known, format_amount_localized, format_decimal_localized

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
        return format_amount_localized(value, currency)
    return format_decimal_localized(value)


@register.filter
def audit_value(value, currency: str):
    """An old or new value of an audit row: amount text shown in ``currency`` when the page
    names one; anything else (and ``None``, for ``default_if_none``) as it is."""
    if isinstance(value, str) and currency_is_known(currency) and _AMOUNT_TEXT.fullmatch(value):
        return format_amount_localized(Decimal(value), currency)
    return value


@register.simple_tag
def number_separators() -> str:
    return format_html(
        'data-decimal-separator="{}" data-thousand-separator="{}"',
        formats.get_format("DECIMAL_SEPARATOR"),
        formats.get_format("THOUSAND_SEPARATOR"),
    )
