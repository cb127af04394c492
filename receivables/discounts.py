"""Cash discount arithmetic shared by the open transactions' API and settlement."""

from decimal import Decimal

from core.money import ZERO, quantize


def effective_discount(
    *,
    open_amount: Decimal,
    amount: Decimal,
    amount_before_tax: Decimal,
    percent: Decimal,
    base_includes_tax: bool,
    currency: str,
) -> tuple[Decimal, Decimal]:
    """(discount available on the open amount, its effective fraction p of the open amount).

    The base excludes sales tax by default: p = percent × amount before tax ÷ total.
    """
    if percent <= 0:
        return ZERO, ZERO
    if base_includes_tax or amount == 0:
        p = percent / 100
        return quantize(open_amount * percent / 100, currency), p
    p = percent * amount_before_tax / (100 * amount)
    return quantize(open_amount * percent * amount_before_tax / (100 * amount), currency), p
