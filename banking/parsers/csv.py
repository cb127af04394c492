"""A bank's CSV export read with a saved column mapping (``banking.models.CsvMapping``).

A CSV file is one statement. Its identifier is ``CSV-`` and the first 16 hex digits of the
file's SHA-256, its period runs from the first to the last booking date, its currency is the
currency column's (or empty: the import takes the bank account's). The opening and closing
balances are read from the ``opening_balance`` column of the first row and the
``closing_balance`` column of the last row when the mapping names them; otherwise the opening
balance is 0 and the closing balance the sum of the lines, so such a file always balances.
Errors give the line of the file and the column: "line 7, column 'Buchungstag': ...".
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from . import ParsedLine, ParsedStatement, StatementFileInvalid

AMOUNT_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")
TEXT_FIELDS = (
    "counterparty_name",
    "counterparty_iban",
    "counterparty_bic",
    "remittance_info",
    "structured_reference",
    "end_to_end_id",
    "bank_reference",
)
REQUIRED_BY_SIGN = {
    "signed": ("amount",),
    "inverted": ("amount",),
    "debit_credit": ("debit", "credit"),
    "indicator": ("amount", "indicator"),
}


@dataclass(frozen=True)
class Column:
    index: int  # 0-based
    label: str  # how errors name it: its title, or its number without a header row


def csv_parse(data: bytes, mapping: Any) -> list[ParsedStatement]:
    """The one statement of a CSV file read with ``mapping`` (a ``CsvMapping``)."""
    rows = _rows(data, mapping)
    header_rows = int(mapping.header_rows or 0)
    header = rows[header_rows - 1][1] if 0 < header_rows <= len(rows) else None
    columns = _columns(mapping, header)
    body = [(number, row) for number, row in rows[header_rows:] if any(c.strip() for c in row)]
    if not body:
        raise StatementFileInvalid(
            f"The file has no statement line after its {header_rows} header row(s)."
        )
    lines = [_line(number, row, columns, mapping) for number, row in body]
    total = sum((line.amount for line in lines), Decimal("0"))
    opening = Decimal("0")
    closing = total
    if "opening_balance" in columns:
        first_number, first_row = body[0]
        opening = _amount(first_number, first_row, columns["opening_balance"], mapping)
    if "closing_balance" in columns:
        last_number, last_row = body[-1]
        closing = _amount(last_number, last_row, columns["closing_balance"], mapping)
    elif "opening_balance" in columns:
        closing = opening + total
    booked = [line.booking_date for line in lines]
    return [
        ParsedStatement(
            statement_id="CSV-" + hashlib.sha256(data).hexdigest()[:16],
            currency=next((line.currency for line in lines if line.currency), ""),
            from_date=min(booked),
            to_date=max(booked),
            opening_balance=opening,
            closing_balance=closing,
            lines=lines,
        )
    ]


def _rows(data: bytes, mapping: Any) -> list[tuple[int, list[str]]]:
    """Every row with the number of the file line it starts on."""
    encoding = mapping.encoding or "utf-8"
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"  # a byte-order mark is not part of the first title
    try:
        text = data.decode(encoding)
    except LookupError as exc:
        raise StatementFileInvalid(f"Unknown encoding {mapping.encoding!r}.") from exc
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise StatementFileInvalid(
            f"line {line}: byte 0x{data[exc.start]:02x} is not {mapping.encoding} "
            "(choose the file's encoding in the mapping)."
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter or ";")
    rows = []
    try:
        start = 1
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise StatementFileInvalid(f"line {reader.line_num}: {exc}.") from exc
    return rows


def _columns(mapping: Any, header: list[str] | None) -> dict[str, Column]:
    titles = [title.strip() for title in header] if header is not None else None
    columns: dict[str, Column] = {}
    for field, reference in (mapping.columns or {}).items():
        if reference in (None, ""):
            continue
        columns[field] = _column(field, reference, titles)
    required = ("booking_date", *REQUIRED_BY_SIGN.get(mapping.sign, ("amount",)))
    for field in required:
        if field not in columns:
            raise StatementFileInvalid(
                f"The mapping names no column for {field!r} (required with sign {mapping.sign!r})."
            )
    return columns


def _column(field: str, reference: Any, titles: list[str] | None) -> Column:
    if isinstance(reference, int) or (isinstance(reference, str) and reference.isdigit()):
        number = int(reference)
        if number < 1:
            raise StatementFileInvalid(f"Column number {number} for {field!r} is not 1 or more.")
        label = titles[number - 1] if titles and number <= len(titles) else str(number)
        return Column(index=number - 1, label=label)
    title = str(reference).strip()
    if titles is None:
        raise StatementFileInvalid(
            f"Column {title!r} for {field!r} is named by title but the mapping has no header row."
        )
    for index, candidate in enumerate(titles):
        if candidate == title:
            return Column(index=index, label=title)
    lowered = [candidate.casefold() for candidate in titles]
    if title.casefold() in lowered:
        return Column(index=lowered.index(title.casefold()), label=title)
    raise StatementFileInvalid(f"Column {title!r} for {field!r} is not in the header row.")


def _line(number: int, row: list[str], columns: dict[str, Column], mapping: Any) -> ParsedLine:
    booking_date = _date(number, row, columns["booking_date"], mapping)
    value_date = booking_date
    if "value_date" in columns and _cell(number, row, columns["value_date"]):
        value_date = _date(number, row, columns["value_date"], mapping)
    texts = {
        field: " ".join(_cell(number, row, columns[field]).split())
        for field in TEXT_FIELDS
        if field in columns
    }
    for field in ("counterparty_iban", "counterparty_bic"):
        if field in texts:
            texts[field] = texts[field].replace(" ", "").upper()
    currency = _cell(number, row, columns["currency"]).upper() if "currency" in columns else ""
    return ParsedLine(
        booking_date=booking_date,
        value_date=value_date,
        amount=_signed_amount(number, row, columns, mapping),
        currency=currency,
        **texts,
    )


def _signed_amount(
    number: int, row: list[str], columns: dict[str, Column], mapping: Any
) -> Decimal:
    if mapping.sign == "debit_credit":
        debit = _amount(number, row, columns["debit"], mapping, blank_is_zero=True)
        credit = _amount(number, row, columns["credit"], mapping, blank_is_zero=True)
        # Some banks write the debit column with a minus sign, some without: both are money out.
        return abs(credit) - abs(debit)
    amount = _amount(number, row, columns["amount"], mapping)
    if mapping.sign == "inverted":
        return -amount
    if mapping.sign == "indicator":
        mark = _cell(number, row, columns["indicator"]).strip().casefold()
        debit = (mapping.debit_indicator or "D").strip().casefold()
        return -abs(amount) if mark == debit else abs(amount)
    return amount


def _amount(
    number: int, row: list[str], column: Column, mapping: Any, *, blank_is_zero: bool = False
) -> Decimal:
    written = _cell(number, row, column)
    text = written.replace("\u00a0", "").replace(" ", "")
    if mapping.thousands_separator:
        text = text.replace(mapping.thousands_separator, "")
    if mapping.decimal_separator and mapping.decimal_separator != ".":
        text = text.replace(mapping.decimal_separator, ".")
    if text.endswith("-") or text.endswith("+"):  # "1.234,56-" as some exports write it
        text = text[-1] + text[:-1]
    if not text and blank_is_zero:
        return Decimal("0")
    if not AMOUNT_RE.match(text):
        raise StatementFileInvalid(
            f"line {number}, column {column.label!r}: {written!r} is not an amount "
            f"(decimal separator {mapping.decimal_separator!r})."
        )
    return Decimal(text)


def _date(number: int, row: list[str], column: Column, mapping: Any) -> date:
    written = _cell(number, row, column)
    try:
        return datetime.strptime(written.strip(), mapping.date_format).date()  # noqa: DTZ007
    except ValueError:
        raise StatementFileInvalid(
            f"line {number}, column {column.label!r}: {written!r} is not a date "
            f"({mapping.date_format})."
        ) from None


def _cell(number: int, row: list[str], column: Column) -> str:
    if column.index >= len(row):
        raise StatementFileInvalid(
            f"line {number}: {len(row)} columns, column {column.label!r} is number "
            f"{column.index + 1}."
        )
    return row[column.index].strip()
