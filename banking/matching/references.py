"""What a bank statement line names: ISO 11649 creditor references (check digits verified) and
document numbers, as whole tokens of its remittance text. Pure functions, no database.

A token is a maximal run of letters and digits joined by ``-`` or ``/``: "14" is never found
inside "1814" nor inside "INV-14-2". Tokens are compared by ``document_number_key`` (upper case,
no dashes), as the database index on open items holds them."""

import re

from core.bank_codes import rf_reference_payload
from receivables.models.open_transactions import document_number_key

# Longest key worth looking up: a document number has at most 30 characters.
MAX_KEY_LENGTH = 30

_TOKEN = re.compile(r"[^\W_]+(?:[-/][^\W_]+)*")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
# An RF reference in a text: "RF18539007547034" or in its print format "RF18 5390 0754 7034".
_RF_START = re.compile(r"(?<![0-9A-Z])RF\d{2}[0-9A-Z]*(?![0-9A-Z])")
_RF_GROUP = re.compile(r" ([0-9A-Z]{1,4})(?![0-9A-Z])")
_RF_MAX = 25


def rf_payloads_in(text: str) -> list[str]:
    """The payloads of the valid RF references written in ``text``, in order. A reference may be
    written in groups of up to four characters; the longest reading with valid check digits
    wins, and one with wrong check digits is no reference."""
    upper = (text or "").upper()
    found = []
    for start in _RF_START.finditer(upper):
        readings = [start.group()]
        position = start.end()
        while len(readings[-1]) < _RF_MAX:
            group = _RF_GROUP.match(upper, position)
            if group is None:
                break
            readings.append(readings[-1] + group.group(1))
            position = group.end()
        for reading in reversed(readings):
            payload = rf_reference_payload(reading)
            if payload is not None:
                found.append(payload)
                break
    return found


def _looks_like_number(token: str) -> bool:
    return bool(_DIGIT.search(token))


def document_tokens(text: str) -> list[str]:
    """The tokens of ``text`` that may be document numbers (they hold a digit). A token joined
    by ``/`` also gives its parts that hold both letters and digits ("FABE-INV-1/FABE-INV-2"
    names two invoices; the "14" of "2026/14" names nothing)."""
    tokens = []
    for match in _TOKEN.finditer(text or ""):
        token = match.group()
        if not _looks_like_number(token):
            continue
        tokens.append(token)
        if "/" in token:
            tokens.extend(
                part
                for part in token.split("/")
                if _looks_like_number(part) and _LETTER.search(part)
            )
    return tokens


def reference_keys(*, remittance_info: str, structured_reference: str) -> list[str]:
    """The document number keys a line names, without repeats, in order: the payloads of its
    RF references (structured first), then the tokens of the structured reference and of the
    remittance text."""
    keys: list[str] = []
    structured = rf_reference_payload(structured_reference)
    if structured is not None:
        keys.append(structured)
    keys.extend(rf_payloads_in(remittance_info))
    if structured is None:
        keys.extend(document_number_key(t) for t in document_tokens(structured_reference))
    keys.extend(document_number_key(t) for t in document_tokens(remittance_info))
    return [k for k in dict.fromkeys(keys) if len(k) <= MAX_KEY_LENGTH]
