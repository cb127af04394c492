"""Checks of what a payer types about a card, before anything reaches the gateway. Error
messages never repeat the number."""

import re
from datetime import date

from ..exceptions import CardPaymentInvalid
from .gateways import CardData

_SEPARATORS = re.compile(r"[\s-]")


def _digits(text: str) -> str:
    return _SEPARATORS.sub("", text or "")


def looks_like_card_number(text: str) -> bool:
    """12 to 19 digits, spaces and dashes aside: what a card number looks like."""
    digits = _digits(text)
    return digits.isdigit() and 12 <= len(digits) <= 19


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_check(card: CardData, *, today: date) -> CardData:
    """The card as the gateway gets it (digits only, a four-digit year), or an error naming the
    field (``card.number``, ``card.expiry_month``, ``card.expiry_year``, ``card.cvc``)."""
    number, expiry_month, expiry_year, cvc = (
        card.number,
        card.expiry_month,
        card.expiry_year,
        card.cvc,
    )
    digits = _digits(number)
    if not looks_like_card_number(digits):
        raise CardPaymentInvalid("Enter the card number: 12 to 19 digits.", field="card.number")
    if not luhn_valid(digits):
        raise CardPaymentInvalid(
            "The card number is not valid: its check digit is wrong.", field="card.number"
        )
    if not 1 <= expiry_month <= 12:
        raise CardPaymentInvalid(
            "The expiry month is a number from 1 to 12.", field="card.expiry_month"
        )
    year = expiry_year + 2000 if 0 <= expiry_year < 100 else expiry_year
    if not 2000 <= year <= 2099:
        raise CardPaymentInvalid(
            "Give the expiry year as on the card (2031 or 31).", field="card.expiry_year"
        )
    if (year, expiry_month) < (today.year, today.month):
        raise CardPaymentInvalid(
            f"The card expired at the end of {expiry_month:02d}/{year}.", field="card.expiry_year"
        )
    cvc = (cvc or "").strip()
    if not (cvc.isdigit() and len(cvc) in (3, 4)):
        raise CardPaymentInvalid("The CVC is the 3 or 4 digits on the card.", field="card.cvc")
    return CardData(number=digits, expiry_month=expiry_month, expiry_year=year, cvc=cvc)


def token_check(token: str) -> str:
    """A token of an earlier card, refused when it is a card number (which would then travel
    and be kept where only tokens go)."""
    token = (token or "").strip()
    if looks_like_card_number(token):
        raise CardPaymentInvalid(
            "This is a card number, not a token: give the card under card (number, "
            "expiry_month, expiry_year, cvc), or the token the gateway gave for it.",
            field="token",
        )
    if not token or len(token) > 200:
        raise CardPaymentInvalid("Give the gateway's token of an earlier card.", field="token")
    return token
