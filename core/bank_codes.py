"""Bank identifiers, checked with maintained code where it exists: IBAN and BIC (schwifty:
length, country format and mod-97 check digits) and ISO 11649 structured creditor references
(RF + two check digits + up to 21 letters or digits)."""

import re

from django.core.exceptions import ValidationError
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

_RF = re.compile(r"RF(\d{2})([0-9A-Z]{1,21})")


def iban_normalize(value: str) -> str:
    """The IBAN in its compact form (no spaces, upper case); ValidationError if it is not one."""
    text = (value or "").replace(" ", "").upper()
    if not text:
        raise ValidationError("Enter an IBAN.")
    try:
        return IBAN(text).compact
    except SchwiftyException as error:
        raise ValidationError(f"{text} is not a valid IBAN: {error}.") from error


def bic_normalize(value: str) -> str:
    """The BIC (8 or 11 characters, upper case); ValidationError if it is not one."""
    text = (value or "").replace(" ", "").upper()
    try:
        return BIC(text).compact
    except SchwiftyException as error:
        raise ValidationError(f"{text} is not a valid BIC: {error}.") from error


def iban_validator(value: str) -> None:
    iban_normalize(value)


def bic_validator(value: str) -> None:
    if value:
        bic_normalize(value)


def _mod97(text: str) -> int:
    return int("".join(str(int(ch, 36)) for ch in text)) % 97


def rf_reference_make(payload: str) -> str:
    """The ISO 11649 creditor reference of ``payload`` (letters and digits, up to 21)."""
    body = re.sub(r"[^0-9A-Za-z]", "", payload).upper()
    if not 1 <= len(body) <= 21:
        raise ValueError(f"{payload!r} gives no RF reference: 1 to 21 letters or digits.")
    check = 98 - _mod97(body + "RF00")
    return f"RF{check:02d}{body}"


# A document number an RF reference can carry whole: letters, digits and dashes, whose key
# (upper case, dashes dropped) is how bank statement matching looks document numbers up.
_DOCUMENT_NUMBER = re.compile(r"[0-9A-Za-z]+(?:-+[0-9A-Za-z]+)*")


def rf_reference_for_document(number: str) -> str | None:
    """The RF creditor reference printed on a document for paying it: the document number
    without its dashes, upper case, behind RF and two check digits (``FABE-INV-000012`` →
    ``RF34FABEINV000012``). None when the number holds other characters or more than 21
    letters and digits: bank statement matching could not read the number back from it."""
    if not _DOCUMENT_NUMBER.fullmatch(number or ""):
        return None
    payload = number.replace("-", "").upper()
    return rf_reference_make(payload) if len(payload) <= 21 else None


def rf_reference_print(reference: str) -> str:
    """An RF reference in its print format: groups of four characters
    (``RF18 5390 0754 7034``)."""
    compact = reference.replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def rf_reference_payload(text: str) -> str | None:
    """The payload of a valid RF reference (spaces allowed), or None: wrong check digits are no
    reference."""
    compact = (text or "").replace(" ", "").upper()
    match = _RF.fullmatch(compact)
    if match is None or _mod97(match.group(2) + compact[:4]) != 1:
        return None
    return match.group(2)


_CREDITOR_ID = re.compile(r"([A-Z]{2})(\d{2})([0-9A-Z]{3})([0-9A-Z]{1,28})")


def creditor_identifier_normalize(value: str) -> str:
    """A SEPA creditor identifier (e.g. DE98ZZZ09999999999), compact and upper case: country,
    two check digits (mod 97 over the national identifier, the country and "00"; the
    three-character business code is not part of it), business code, national identifier.
    ValidationError if it is not one."""
    text = (value or "").replace(" ", "").upper()
    match = _CREDITOR_ID.fullmatch(text)
    if match is None or len(text) > 35:
        raise ValidationError(
            f"{text or 'An empty value'} is not a SEPA creditor identifier: country, two check "
            "digits, a three-character business code and the national identifier."
        )
    country, check, _business, national = match.groups()
    expected = 98 - _mod97(national + country + "00")
    if int(check) != expected:
        raise ValidationError(
            f"{text} is not a valid SEPA creditor identifier: its check digits should be "
            f"{expected:02d}."
        )
    return text


def creditor_identifier_validator(value: str) -> None:
    if value:
        creditor_identifier_normalize(value)
