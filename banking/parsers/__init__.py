"""Bank statement files read into plain statements and lines, whatever the format: ISO 20022
camt.053, SWIFT MT940 and CSV with a saved column mapping. Parsing stores nothing; a file that
does not parse raises ``StatementFileInvalid`` saying where."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.errors import InvalidInput

MAX_FILE_BYTES = 20 * 1024 * 1024


class StatementFileInvalid(InvalidInput):
    """The file is not a statement of its format; the message says where (line, element)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


@dataclass
class ParsedLine:
    booking_date: date
    value_date: date
    amount: Decimal  # signed, money in positive
    currency: str
    counterparty_name: str = ""
    counterparty_iban: str = ""
    counterparty_bic: str = ""
    remittance_info: str = ""
    structured_reference: str = ""
    end_to_end_id: str = ""
    bank_reference: str = ""  # the bank's own reference of the entry (AcctSvcrRef, :61: //)
    entry_reference: str = ""  # camt NtryRef, MT940 customer reference
    bank_transaction_code: str = ""
    return_reason: str = ""  # camt RtrInf/Rsn/Cd (AC04, MD06, ...)
    charges: Decimal = Decimal("0")  # charges the bank reports on the entry, positive


@dataclass
class ParsedStatement:
    statement_id: str
    currency: str
    from_date: date
    to_date: date
    opening_balance: Decimal
    closing_balance: Decimal
    account_iban: str = ""
    account_number: str = ""  # how the file names the account when it is not an IBAN
    lines: list[ParsedLine] = field(default_factory=list)


def statements_parse(fmt: str, data: bytes, mapping=None) -> list[ParsedStatement]:
    """Every statement in the file; ``mapping`` (a ``CsvMapping``) for CSV files."""
    if not data or not data.strip():
        raise StatementFileInvalid("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise StatementFileInvalid(
            f"The file is {len(data):,} bytes; at most {MAX_FILE_BYTES:,} are read."
        )
    encoding = (getattr(mapping, "encoding", "") or "").lower().replace("_", "").replace("-", "")
    wide = fmt == "csv" and encoding.startswith(("utf16", "utf32"))  # NUL bytes in any text
    if not wide and b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise StatementFileInvalid(f"Line {line}: the file holds a NUL character; it is no text.")
    if fmt == "camt053":
        from .camt053 import camt053_parse

        return camt053_parse(data)
    if fmt == "mt940":
        from .mt940 import mt940_parse

        return mt940_parse(data)
    if fmt == "csv":
        if mapping is None:
            raise InvalidInput("A CSV file needs a column mapping.", field="csv_mapping")
        from .csv import csv_parse

        return csv_parse(data, mapping)
    raise InvalidInput(f"Unknown format {fmt!r}: camt053, mt940 or csv.", field="format")
