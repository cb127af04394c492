"""SWIFT MT940 read into statements with the ``mt-940`` library.

The file is cut into statements at each ``:20:`` (so each keeps its own balances: the library's
``parse()`` would keep only the last one's) and each is parsed with reversal marks signed
(``RC`` is money out, ``RD`` money in). The ``:86:`` field is split here rather than by the
library, for the German ``?20..?33`` subfields with SEPA keywords, the Dutch ``/EREF/../REMI/``
form and plain text alike (``mt940_details``). Errors give the line number in the file.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import mt940 as mt940_library

from . import ParsedLine, ParsedStatement, StatementFileInvalid
from .mt940_details import IBAN_RE, Details, details_split

OPTIONS = mt940_library.Options(
    reversal_sign=True,
    case_insensitive_marks=True,
    unbounded_details=True,
    strip_bom=True,
    non_swift_free_text=True,
)
# The raw :86: text is kept: the library's own splitter knows only the German subfields.
PROCESSORS: dict[str, list] = {"post_transaction_details": []}
# ASN Bank writes a 34-character IBAN as the :61: customer reference, which the standard
# pattern refuses; a statement whose :61: does not parse is read again with this one.
ASN_TAGS = {61: mt940_library.tags.StatementASNB()}
ENVELOPE_RE = re.compile(r"^(\{[1-5]:.*|-\}.*|-)$")
OPENING_KEYS = ("final_opening_balance", "intermediate_opening_balance", "opening_balance")
NO_REFERENCE = ("NONREF", "KREF+", "EREF")
CLOSING_KEYS = ("final_closing_balance", "intermediate_closing_balance", "closing_balance")


def mt940_parse(data: bytes) -> list[ParsedStatement]:
    """Every statement (``:20:`` block) of an MT940 file."""
    text = _decode(data)
    blocks = _blocks(text)
    if not blocks:
        raise StatementFileInvalid("The file holds no MT940 statement (no line starts with :20:).")
    statements = [_statement(lines, start) for start, lines in blocks]
    _make_ids_unique(statements)
    return statements


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """The statements of the file, each with the number of its first line. The SWIFT envelope
    (``{1:..}{2:..}{4:`` and the closing ``-}``) and a lone ``-`` between statements are
    dropped; each kept line keeps its number for error messages."""
    blocks: list[tuple[int, list[str]]] = []
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.rstrip()
        if stripped.startswith("{") and ":20:" not in stripped:
            continue
        if ENVELOPE_RE.match(stripped):
            continue
        if stripped.startswith(":20:") or stripped.startswith("{4::20:"):
            blocks.append((number, []))
            stripped = stripped.removeprefix("{4:")
        if blocks:
            blocks[-1][1].append(stripped)
    return blocks


def _statement(lines: list[str], start: int) -> ParsedStatement:
    transactions = _transactions(lines, start)
    data = transactions.data
    where = f"Statement at line {start}"
    opening = _balance(data, OPENING_KEYS)
    closing = _balance(data, CLOSING_KEYS)
    if opening is None:
        raise StatementFileInvalid(f"{where}: no opening balance (:60F: or :60M:).")
    if closing is None:
        raise StatementFileInvalid(f"{where}: no closing balance (:62F: or :62M:).")
    currency = closing.amount.currency or opening.amount.currency or ""
    parsed_lines = [_line(t.data, currency) for t in transactions.transactions if t.data.get("id")]
    booked = [line.booking_date for line in parsed_lines]
    closing_date = _plain_date(closing.date)
    account = (data.get("account_identification") or "").strip()
    compact = account.replace(" ", "").upper()
    return ParsedStatement(
        statement_id=_statement_id(data),
        currency=currency,
        from_date=min([*booked, closing_date]),
        to_date=max([*booked, closing_date]),
        opening_balance=Decimal(opening.amount.amount),
        closing_balance=Decimal(closing.amount.amount),
        account_iban=compact if IBAN_RE.match(compact) else "",
        account_number="" if IBAN_RE.match(compact) else account,
        lines=parsed_lines,
    )


def _transactions(lines: list[str], start: int) -> Any:
    text = "\n".join(lines)
    account = next((line for line in lines if line.startswith(":25:")), "")
    try:
        return _library_parse(text, tags=ASN_TAGS if "ASNB" in account.upper() else None)
    except RuntimeError as exc:
        tag = exc.args[1] if len(exc.args) > 1 else None
        if getattr(tag, "id", None) == 61:
            try:
                return _library_parse(text, tags=ASN_TAGS)
            except RuntimeError:
                pass
        raise StatementFileInvalid(_tag_error(exc, lines, start)) from exc
    except (ValueError, KeyError, ArithmeticError) as exc:
        raise StatementFileInvalid(
            f"Statement at line {start}: the statement does not parse ({exc})."
        ) from exc


def _library_parse(text: str, tags: dict | None) -> Any:
    transactions = mt940_library.models.Transactions(
        processors=PROCESSORS, tags=tags, options=OPTIONS
    )
    transactions.parse(text)
    return transactions


def _tag_error(exc: RuntimeError, lines: list[str], start: int) -> str:
    """Which line a tag that does not parse is on, found by its value."""
    tag = exc.args[1] if len(exc.args) > 1 else None
    value = str(exc.args[2]) if len(exc.args) > 2 else ""
    first = value.split("\n")[0].strip()
    tag_id = str(getattr(tag, "id", "?"))
    for offset, line in enumerate(lines):
        if line.startswith(":") and first and first in line:
            tag_id = line[1:].split(":")[0] or tag_id
            return f"Line {start + offset}: :{tag_id}: {first!r} does not parse."
    return f"Statement at line {start}: :{tag_id}: {first!r} does not parse."


def _balance(data: dict, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return None


def _statement_id(data: dict) -> str:
    reference = (data.get("transaction_reference") or "").strip()
    number = (data.get("statement_number") or "").strip()
    sequence = (data.get("sequence_number") or "").strip()
    return "/".join(part for part in (reference, number, sequence) if part)


def _make_ids_unique(statements: list[ParsedStatement]) -> None:
    """Some banks repeat the same ``:20:`` and ``:28C:`` for every statement of a file; the
    closing date then tells them apart."""
    seen: dict[str, int] = {}
    for statement in statements:
        seen[statement.statement_id] = seen.get(statement.statement_id, 0) + 1
    for statement in statements:
        if seen[statement.statement_id] > 1:
            statement.statement_id = f"{statement.statement_id}/{statement.to_date.isoformat()}"


def _line(data: dict, currency: str) -> ParsedLine:
    value_date = _plain_date(data["date"])
    entry_date = data.get("entry_date")
    customer_reference = (data.get("customer_reference") or "").strip()
    extra = (data.get("extra_details") or "").strip()
    details: Details = details_split(data.get("transaction_details") or "")
    # ASN and SNS write the counterparty IBAN as the :61: reference and its name after it.
    reference_iban = customer_reference.replace(" ", "").upper()
    if IBAN_RE.match(reference_iban):
        details.counterparty_iban = details.counterparty_iban or reference_iban
        details.counterparty_name = details.counterparty_name or extra
    elif IBAN_RE.match(extra.replace(" ", "").upper()):
        details.counterparty_iban = details.counterparty_iban or extra.replace(" ", "").upper()
    code = (data.get("id") or "").strip()
    return ParsedLine(
        booking_date=_plain_date(entry_date) if entry_date else value_date,
        value_date=value_date,
        amount=Decimal(data["amount"].amount),
        currency=data["amount"].currency or currency,
        counterparty_name=details.counterparty_name,
        counterparty_iban=details.counterparty_iban,
        counterparty_bic=details.counterparty_bic,
        remittance_info=details.remittance_info,
        structured_reference=details.structured_reference,
        end_to_end_id=details.end_to_end_id,
        bank_reference=(data.get("bank_reference") or "").strip(),
        entry_reference=_entry_reference(customer_reference, details.customer_reference),
        bank_transaction_code="/".join(part for part in (code, details.code) if part),
        return_reason=details.return_reason,
    )


def _entry_reference(customer_reference: str, kref: str) -> str:
    if kref:
        return kref
    if customer_reference.upper() in NO_REFERENCE or IBAN_RE.match(customer_reference):
        return ""
    return customer_reference


def _plain_date(value: date) -> date:
    return date(value.year, value.month, value.day)
