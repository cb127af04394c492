"""The MT940 ``:86:`` field split into counterparty, remittance and references.

Three forms are read: the German structured field (``166?00GUTSCHRIFT?20..?29`` purpose,
``?30`` BLZ or BIC, ``?31`` account or IBAN, ``?32``/``?33`` name; Triodos writes ``>``
instead of ``?``) whose purpose carries the SEPA keywords ``EREF+``, ``KREF+``, ``MREF+``,
``SVWZ+``...; the Dutch ``/EREF/../NAME/../REMI/..`` form (Rabobank, ING, ABN AMRO); and
plain text, kept whole as the remittance information.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

IBAN_RE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
BIC_RE = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")
GERMAN_RE = re.compile(r"^(?P<code>\d{3})(?P<sep>[?>])\d{2}")
SEPA_KEYWORD_RE = re.compile(
    r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|PURP|COAM|OAMT|SQTP|ORCR|ORMR|DDAT|MDAT)"
    r" ?\+"
)
DUTCH_KEYS = (
    "EREF|BENM|ORDP|NAME|REMI|ISDT|IBAN|BIC|ADDR|CSID|MARF|RTRN|PREF|TRCD|CNTP|ULTD|ULTC|ULTB"
    "|PURP|SVCL|USTD|STRD|CUR|ISSR|TRTP"
)
DUTCH_START_RE = re.compile(rf"^/({DUTCH_KEYS})/")
DUTCH_KEY_RE = re.compile(rf"/({DUTCH_KEYS})(?=/)")
SEPA_REFERENCE_LENGTH = 35
PURPOSE_CODES = {f"{n}" for n in range(20, 30)} | {"60", "61", "62", "63"}


@dataclass
class Details:
    counterparty_name: str = ""
    counterparty_iban: str = ""
    counterparty_bic: str = ""
    remittance_info: str = ""
    structured_reference: str = ""
    end_to_end_id: str = ""
    customer_reference: str = ""  # SEPA KREF+
    code: str = ""  # German business transaction code (GVC), e.g. 166
    return_reason: str = ""


def details_split(raw: str) -> Details:
    """The parts of an ``:86:`` field; lines wrapped at 65 characters are joined first."""
    joined = "".join(line.strip("\r") for line in raw.split("\n")).strip()
    german = GERMAN_RE.match(joined)
    if german:
        return _german(joined, german["code"], german["sep"])
    if DUTCH_START_RE.match(joined):
        return _dutch(joined)
    return Details(remittance_info=" ".join(raw.split()))


def _german(text: str, code: str, separator: str) -> Details:
    fields: list[tuple[str, str]] = []
    parts = re.split(rf"{re.escape(separator)}(\d{{2}})", text[3:])
    for number, value in zip(parts[1::2], parts[2::2], strict=True):
        fields.append((number, value))
    purpose = "".join(value for number, value in fields if number in PURPOSE_CODES).strip()
    name = "".join(value for number, value in fields if number in ("32", "33")).strip()
    bank = next((value.strip() for number, value in fields if number == "30"), "")
    account = next((value.strip() for number, value in fields if number == "31"), "")
    details = Details(code=code, counterparty_name=name)
    if BIC_RE.match(bank.upper()):
        details.counterparty_bic = bank.upper()
    if IBAN_RE.match(account.replace(" ", "").upper()):
        details.counterparty_iban = account.replace(" ", "").upper()
    _sepa_keywords(purpose, details)
    return details


def _sepa_keywords(purpose: str, details: Details) -> None:
    matches = list(SEPA_KEYWORD_RE.finditer(purpose))
    if not matches:
        details.remittance_info = " ".join(purpose.split())
        return
    values: dict[str, str] = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(purpose)
        values.setdefault(match[1], " ".join(purpose[match.end() : end].split()))
    # A SEPA reference is at most 35 characters; text running on after it is not part of it.
    eref = values.get("EREF", "")[:SEPA_REFERENCE_LENGTH]
    details.end_to_end_id = "" if eref.upper() == "NOTPROVIDED" else eref
    details.customer_reference = values.get("KREF", "")[:SEPA_REFERENCE_LENGTH]
    details.remittance_info = values.get("SVWZ") or " ".join(purpose.split())
    iban = values.get("IBAN", "").replace(" ", "").upper()
    bic = values.get("BIC", "").upper()
    if not details.counterparty_iban and IBAN_RE.match(iban):
        details.counterparty_iban = iban
    if not details.counterparty_bic and BIC_RE.match(bic):
        details.counterparty_bic = bic
    details.counterparty_name = details.counterparty_name or values.get("ABWA", "")


def _dutch(text: str) -> Details:
    values: dict[str, str] = {}
    matches = list(DUTCH_KEY_RE.finditer(text))
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(text)
        value = " ".join(text[match.end() : end].strip("/").split())
        if value and not values.get(match[1]):
            values[match[1]] = value
    details = Details()
    counterparty = values.get("CNTP", "").split("/")
    if len(counterparty) >= 3:  # ING: /CNTP/IBAN/BIC/name/city/
        values.setdefault("IBAN", counterparty[0])
        values.setdefault("BIC", counterparty[1])
        values.setdefault("NAME", counterparty[2])
    iban = values.get("IBAN", "").replace(" ", "").upper()
    bic = values.get("BIC", "").upper()
    details.counterparty_iban = iban if IBAN_RE.match(iban) else ""
    details.counterparty_bic = bic if BIC_RE.match(bic) else ""
    details.counterparty_name = values.get("NAME", "")
    eref = values.get("EREF", "")
    details.end_to_end_id = "" if eref.upper() == "NOTPROVIDED" else eref
    details.structured_reference = values.get("CUR", "")
    details.remittance_info = values.get("REMI") or values.get("USTD", "")
    details.return_reason = values.get("RTRN", "")
    return details
