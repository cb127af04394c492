"""Countries as addresses name them: an ISO 3166-1 alpha-2 code, checked against pycountry's
list (a pinned dependency; schwifty checks IBANs with it too), and printed as the country's name in
the active language (Babel's CLDR names: "Norway", "Norvège", "Norge")."""

from django.core.exceptions import ValidationError


def country_is_known(code: str) -> bool:
    """``code`` is an ISO 3166-1 alpha-2 code, upper case ("FR", "NO")."""
    import pycountry

    return len(code) == 2 and code.isupper() and pycountry.countries.get(alpha_2=code) is not None


def country_unknown_message(code: str) -> str:
    return f"Unknown country {code!r}: use an ISO 3166 alpha-2 code such as FR or NO."


def country_validator(value: str) -> None:
    """A form's check; the services store the code upper case, so "fr" passes here."""
    if value and not country_is_known(value.upper()):
        raise ValidationError(country_unknown_message(value), code="invalid_country")


def country_name(code: str) -> str:
    """The country's name in the active language; the code itself when CLDR has no name."""
    from babel import Locale, UnknownLocaleError
    from django.utils import translation

    try:
        locale = Locale.parse(translation.get_language() or "en", sep="-")
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    return locale.territories.get(code, code)
