"""The SEPA rules direct debits are checked against, as pure functions: the character set of
references and texts, the mandate reference, and the TARGET2 business days a collection date
must fall on."""

import re
from datetime import date, timedelta
from functools import cache

from text_unidecode import unidecode

# The SEPA (Latin) character set of the EPC implementation guidelines.
SEPA_CHARACTERS = "a-zA-Z0-9/\\-?:().,'+ "
_SEPA_TEXT = re.compile(f"[{SEPA_CHARACTERS}]*")
_NOT_SEPA = re.compile(f"[^{SEPA_CHARACTERS}]")
MAX_REFERENCE = 35


def sepa_reference_problem(value: str, *, what: str = "The mandate reference") -> str | None:
    """Why ``value`` is no valid SEPA identifier (mandate reference, end-to-end id), or None:
    1 to 35 characters of the SEPA set, no leading or trailing space, and neither starting nor
    ending with "/" nor holding "//" (EPC rulebook)."""
    if not value:
        return f"{what} is required."
    if len(value) > MAX_REFERENCE:
        return f"{what} has {len(value)} characters; at most {MAX_REFERENCE} are allowed."
    outside = sorted(set(_NOT_SEPA.findall(value)))
    if outside:
        shown = " ".join(repr(ch) for ch in outside)
        return (
            f"{what} holds characters outside the SEPA set ({shown}); use letters a-z A-Z, "
            "digits and / - ? : ( ) . , ' + or space."
        )
    if value != value.strip():
        return f"{what} cannot start or end with a space."
    if value.startswith("/") or value.endswith("/") or "//" in value:
        return f'{what} cannot start or end with "/" nor hold "//".'
    return None


def sepa_text(value: str, length: int) -> str:
    """``value`` in the SEPA set (accents dropped, any other character a space), at most
    ``length`` characters: names and remittance texts of the pain.008."""
    text = _NOT_SEPA.sub(" ", unidecode(value or ""))
    return " ".join(text.split())[:length].strip()


def is_sepa_text(value: str) -> bool:
    return _SEPA_TEXT.fullmatch(value or "") is not None


def _easter(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def target2_holidays(year: int) -> frozenset[date]:
    """The TARGET2 closing days of ``year`` besides weekends: New Year, Good Friday, Easter
    Monday, Labour Day, Christmas and 26 December."""
    easter = _easter(year)
    return frozenset(
        {
            date(year, 1, 1),
            easter - timedelta(days=2),
            easter + timedelta(days=1),
            date(year, 5, 1),
            date(year, 12, 25),
            date(year, 12, 26),
        }
    )


def is_business_day(day: date) -> bool:
    """A TARGET2 business day: not a weekend, not a closing day."""
    return day.weekday() < 5 and day not in target2_holidays(day.year)


def next_business_day(after: date) -> date:
    """The first TARGET2 business day after ``after``."""
    day = after + timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day
