"""Model fields and validators every app's models share: amounts and currencies in the one
precision ``core.money`` defines, and the shape of a setup code."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from .money import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS, currency_is_known

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    "Use letters, digits, '-', '_' or '.', starting with a letter or digit.",
)


def currency_validator(value: str) -> None:
    if not currency_is_known(value):
        raise ValidationError(f"Unknown currency {value!r}: use an ISO 4217 code such as EUR.")


def amount_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES, **kwargs
    )


def currency_field(**kwargs) -> models.CharField:
    return models.CharField(max_length=3, validators=[currency_validator], **kwargs)


def language_choices() -> list[tuple[str, str]]:
    """The languages pages and letters are written in (``settings.LANGUAGES``), read when asked
    so that no model reads settings at import."""
    from django.conf import settings

    return list(settings.LANGUAGES)


def language_field(**kwargs) -> models.CharField:
    return models.CharField(max_length=10, choices=language_choices, **kwargs)
