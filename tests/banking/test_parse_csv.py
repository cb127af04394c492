import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest

from banking.parsers import StatementFileInvalid, statements_parse
from banking.parsers.csv import csv_parse


@dataclass
class Mapping:
    """Reads like ``banking.models.CsvMapping``; no database needed."""

    columns: dict = field(default_factory=dict)
    delimiter: str = ";"
    encoding: str = "utf-8"
    header_rows: int = 1
    date_format: str = "%d.%m.%Y"
    decimal_separator: str = ","
    thousands_separator: str = "."
    sign: str = "signed"
    debit_indicator: str = "D"


GERMAN = Mapping(
    columns={
        "booking_date": "Buchungstag",
        "value_date": "Valuta",
        "amount": "Betrag",
        "currency": "Währung",
        "counterparty_name": "Name",
        "counterparty_iban": "IBAN",
        "remittance_info": "Verwendungszweck",
    }
)
GERMAN_FILE = (
    "Buchungstag;Valuta;Name;IBAN;Verwendungszweck;Betrag;Währung\n"
    "02.03.2026;03.03.2026;Globex SA;FR76 3000 6000 0112 3456 7890 189;Rechnung 2026-000014;"
    "1.234,56;EUR\n"
    "\n"
    '04.03.2026;;"Muster; GmbH";;"Miete\nMärz";-500,00;EUR\n'
    "01.03.2026;01.03.2026;Bank;;Kontoführung;-4,90;EUR\n"
).encode()


def test_csv_parse_reads_one_statement():
    (statement,) = csv_parse(GERMAN_FILE, GERMAN)

    assert statement.statement_id == "CSV-" + hashlib.sha256(GERMAN_FILE).hexdigest()[:16]
    assert statement.currency == "EUR"
    assert (statement.from_date, statement.to_date) == (date(2026, 3, 1), date(2026, 3, 4))
    assert [line.amount for line in statement.lines] == [
        Decimal("1234.56"),
        Decimal("-500.00"),
        Decimal("-4.90"),
    ]
    # Without balance columns: opening 0, closing the sum of the lines.
    assert statement.opening_balance == Decimal("0")
    assert statement.closing_balance == Decimal("729.66")
    first, second, _ = statement.lines
    assert (first.booking_date, first.value_date) == (date(2026, 3, 2), date(2026, 3, 3))
    assert first.counterparty_name == "Globex SA"
    assert first.counterparty_iban == "FR7630006000011234567890189"
    assert first.remittance_info == "Rechnung 2026-000014"
    assert second.value_date == date(2026, 3, 4)  # empty value date: the booking date
    assert second.counterparty_name == "Muster; GmbH"
    assert second.remittance_info == "Miete März"
    assert statement.account_iban == statement.account_number == ""


def test_csv_parse_balance_columns_first_and_last_row():
    mapping = Mapping(
        columns={
            "booking_date": 1,
            "amount": 2,
            "opening_balance": 3,
            "closing_balance": 4,
        },
        header_rows=0,
    )
    data = b"02.03.2026;10,00;100,00;110,00\n03.03.2026;-2,50;110,00;107,50\n"
    (statement,) = csv_parse(data, mapping)
    assert statement.opening_balance == Decimal("100.00")
    assert statement.closing_balance == Decimal("107.50")
    assert statement.currency == ""


@pytest.mark.parametrize(
    ("sign", "columns", "rows", "expected"),
    [
        ("signed", {"amount": "Amount"}, ["12.50", "-3.00"], ["12.50", "-3.00"]),
        ("inverted", {"amount": "Amount"}, ["12.50", "-3.00"], ["-12.50", "3.00"]),
        (
            "debit_credit",
            {"debit": "Debit", "credit": "Credit"},
            [";12.50", "3.00;", "-4.00;"],
            ["12.50", "-3.00", "-4.00"],
        ),
        (
            "indicator",
            {"amount": "Amount", "indicator": "DC"},
            ["12.50;C", "3.00;D", "1.00;d"],
            ["12.50", "-3.00", "-1.00"],
        ),
    ],
)
def test_csv_parse_sign_conventions(sign, columns, rows, expected):
    titles = {
        "signed": "Date;Amount",
        "inverted": "Date;Amount",
        "debit_credit": "Date;Debit;Credit",
        "indicator": "Date;Amount;DC",
    }[sign]
    data = "\n".join([titles, *(f"2026-03-02;{row}" for row in rows)]).encode()
    mapping = Mapping(
        columns={"booking_date": "Date", **columns},
        sign=sign,
        date_format="%Y-%m-%d",
        decimal_separator=".",
        thousands_separator=",",
    )
    (statement,) = csv_parse(data, mapping)
    assert [line.amount for line in statement.lines] == [Decimal(e) for e in expected]
    assert statement.closing_balance == sum(Decimal(e) for e in expected)


@pytest.mark.parametrize(
    ("written", "expected"),
    [("1.234,56", "1234.56"), ("-0,01", "-0.01"), ("+7", "7"), ("1.000,00-", "-1000.00")],
)
def test_csv_parse_amount_formats(written, expected):
    data = f"Buchungstag;Betrag\n02.03.2026;{written}\n".encode()
    mapping = Mapping(columns={"booking_date": "Buchungstag", "amount": "Betrag"})
    (statement,) = csv_parse(data, mapping)
    assert statement.lines[0].amount == Decimal(expected)


def test_csv_parse_bad_date_names_line_and_column():
    data = GERMAN_FILE + b"31.02.2026;;X;;Y;1,00;EUR\n"
    with pytest.raises(
        StatementFileInvalid,
        match=r"^line 7, column 'Buchungstag': '31.02.2026' is not a date \(%d.%m.%Y\).$",
    ):
        csv_parse(data, GERMAN)


def test_csv_parse_bad_amount_names_line_and_column():
    data = GERMAN_FILE.replace(b"-4,90", b"4,9O")
    with pytest.raises(
        StatementFileInvalid,
        match=r"^line 6, column 'Betrag': '4,9O' is not an amount \(decimal separator ','\).$",
    ):
        csv_parse(data, GERMAN)


def test_csv_parse_column_by_number_without_header():
    mapping = Mapping(columns={"booking_date": "1", "amount": 2}, header_rows=0)
    with pytest.raises(StatementFileInvalid, match=r"^line 2, column '2': 'x' is not an amount"):
        csv_parse(b"02.03.2026;1,00\n03.03.2026;x\n", mapping)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            Mapping(columns={"amount": "Betrag"}),
            "The mapping names no column for 'booking_date' (required with sign 'signed').",
        ),
        (
            Mapping(columns={"booking_date": "Buchungstag"}),
            "The mapping names no column for 'amount' (required with sign 'signed').",
        ),
        (
            Mapping(
                columns={"booking_date": "Buchungstag", "debit": "Betrag"}, sign="debit_credit"
            ),
            "The mapping names no column for 'credit' (required with sign 'debit_credit').",
        ),
        (
            Mapping(columns={"booking_date": "Buchungstag", "amount": "Umsatz"}),
            "Column 'Umsatz' for 'amount' is not in the header row.",
        ),
        (
            Mapping(columns={"booking_date": 1, "amount": 9}),
            "line 2: 7 columns, column '9' is number 9.",
        ),
    ],
)
def test_csv_parse_refuses_unusable_mappings(mapping, message):
    with pytest.raises(StatementFileInvalid) as raised:
        csv_parse(GERMAN_FILE, mapping)
    assert raised.value.message == message


def test_csv_parse_wrong_encoding_names_the_line():
    data = "Buchungstag;Betrag\n02.03.2026;1,00\n03.03.2026;Gebühr\n".encode("latin-1")
    with pytest.raises(
        StatementFileInvalid, match=r"^line 3: byte 0xfc is not utf-8 \(choose the file's"
    ):
        csv_parse(data, Mapping(columns={"booking_date": "Buchungstag", "amount": "Betrag"}))


def test_csv_parse_latin_1_mapping_and_byte_order_mark():
    mapping = Mapping(columns={"booking_date": "Buchungstag", "amount": "Betrag"})
    (statement,) = csv_parse("\ufeffBuchungstag;Betrag\n02.03.2026;1,00\n".encode(), mapping)
    assert statement.lines[0].amount == Decimal("1.00")
    mapping.encoding = "latin-1"
    mapping.columns["remittance_info"] = 3
    data = "Buchungstag;Betrag;Text\n02.03.2026;1,00;Gebühr\n".encode("latin-1")
    (statement,) = csv_parse(data, mapping)
    assert statement.lines[0].remittance_info == "Gebühr"


def test_csv_parse_file_without_lines_is_refused():
    with pytest.raises(
        StatementFileInvalid, match=r"^The file has no statement line after its 1 header row"
    ):
        csv_parse(
            b"Buchungstag;Betrag\n\n",
            Mapping(columns={"booking_date": "Buchungstag", "amount": "Betrag"}),
        )


def test_statements_parse_csv_needs_a_mapping():
    with pytest.raises(Exception, match="A CSV file needs a column mapping."):
        statements_parse("csv", GERMAN_FILE)
    assert len(statements_parse("csv", GERMAN_FILE, GERMAN)[0].lines) == 3
