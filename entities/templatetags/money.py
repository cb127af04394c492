"""``{{ value|amount:currency }}``: an amount with its currency's minor units and thousands
separators (1,000.00; JPY 1,000; KWD 1.000)."""

from decimal import Decimal

from django import template

from core.money import currency_is_known, quantize

register = template.Library()


@register.filter
def amount(value, currency: str) -> str:
    if value is None or value == "":
        return ""
    value = Decimal(value)
    if currency_is_known(currency):
        value = quantize(value, currency)
    return f"{value:,f}"
