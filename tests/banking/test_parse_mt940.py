from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from banking.parsers import StatementFileInvalid, statements_parse
from banking.parsers.mt940 import mt940_parse
from banking.parsers.mt940_details import details_split

FILES = Path(__file__).parent / "files"


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def statement_text(lines: str, opening: str = "C260301EUR100,00", closing: str = "") -> bytes:
    return (
        ":20:STMT-7\n:25:DE89370400440532013000\n:28C:7/1\n"
        f":60F:{opening}\n{lines}:62F:{closing or 'C260302EUR100,00'}\n-\n"
    ).encode()


# Real files ------------------------------------------------------------------------------


def test_mt940_parse_german_sepa_file_keeps_each_statement_balances():
    statements = mt940_parse(read("mt940-german-sepa.sta"))

    assert len(statements) == 26
    assert sum(len(s.lines) for s in statements) == 97
    # Every statement of this file balances, the RCR reversal included.
    for statement in statements:
        total = sum((line.amount for line in statement.lines), Decimal("0"))
        assert statement.opening_balance + total == statement.closing_balance
    first = statements[0]
    assert first.statement_id == "T089413946000001/00004/00001"
    assert first.account_number == "50880050/0194774600888"
    assert first.account_iban == ""
    assert first.currency == "EUR"
    assert (first.from_date, first.to_date) == (date(2007, 9, 4), date(2007, 9, 4))
    assert first.opening_balance == Decimal("-1234718.36")
    assert first.closing_balance == Decimal("-1237628.23")
    assert [line.amount for line in first.lines] == [
        Decimal("300"),
        Decimal("335.33"),
        Decimal("15000"),
        Decimal("66295.08"),
        Decimal("915311.55"),
        Decimal("-204.88"),  # :61: ...RCR204,88: reversal of a credit, money out
        Decimal("-999946.95"),
    ]
    assert first.lines[5].bank_transaction_code == "NRTI/079"
    assert statements[-1].statement_id == "T089414136000001/00001/00001"
    assert statements[-1].closing_balance == Decimal("50.05")


def test_mt940_parse_german_structured_details():
    credit = mt940_parse(read("mt940-german-sepa.sta"))[1].lines[0]

    assert credit.amount == Decimal("15000.05")
    assert credit.counterparty_name == "Richter Renate 70 Zeichen Beginn Fuellzeichen xxxxxxxx"
    assert credit.counterparty_iban == "DE42100100100043921105"
    assert credit.counterparty_bic == "PBNKDEFF100"
    assert credit.end_to_end_id == "EndToEndIdTFNR2000400001"
    assert credit.remittance_info.startswith("TO 13 TFNr 20004 Eingangskanal Mint")
    assert credit.bank_reference == "0724710290621954"
    assert credit.bank_transaction_code == "NTRF/166"


def test_mt940_parse_rabobank_two_statements_dutch_details():
    first, second = mt940_parse(read("mt940-rabobank.sta"))

    # Both statements carry :20:940S130101 and :28C:0: the closing date tells them apart.
    assert first.statement_id == "940S130101/0/2013-01-08"
    assert second.statement_id == "940S130101/0/2013-01-15"
    assert first.account_iban == "NL71RABO0123456789"
    assert (first.opening_balance, first.closing_balance) == (
        Decimal("1000.00"),
        Decimal("965.00"),
    )
    assert (second.opening_balance, second.closing_balance) == (
        Decimal("965.00"),
        Decimal("930.00"),
    )
    assert [line.amount for line in first.lines] == [Decimal("-25.00"), Decimal("-10.00")]
    assert len(second.lines) == 2
    assert (first.from_date, first.to_date) == (date(2013, 1, 1), date(2013, 1, 8))
    transfer, payment = first.lines
    assert transfer.counterparty_name == "CONTRA ACCOUNT HOLDER"  # wrapped over two lines
    assert transfer.counterparty_iban == "NL70ABNA0987654321"  # from the :61: line
    assert transfer.end_to_end_id == "01-01-2013 12:00 0030000987654321"
    assert transfer.entry_reference == ""
    assert payment.counterparty_name == "JOHN DOE"
    assert payment.remittance_info == "Reference 201301234"
    assert payment.booking_date == date(2013, 1, 2)


def test_mt940_parse_ing_unstructured_details():
    (statement,) = mt940_parse(read("mt940-ing.sta"))

    assert statement.statement_id == "MPBZ/000"
    assert statement.account_number == "0001234567"
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("0.00"),
        Decimal("3.47"),
    )
    assert len(statement.lines) == 7
    # The sample does not balance: 0.00 - 45.59 != 3.47.
    assert sum(line.amount for line in statement.lines) == Decimal("-45.59")
    assert statement.lines[0].remittance_info == (
        "RC AFREKENING BETALINGSVERKEER BETREFT REKENING 4715589 PERIODE: 01-10-2010 / "
        "31-12-2010 ING Bank N.V. tarifering ING"
    )
    assert statement.lines[2].entry_reference == "TMG TANGO"
    assert statement.lines[5].amount == Decimal("3.68")
    assert (statement.from_date, statement.to_date) == (date(2010, 7, 22), date(2010, 7, 23))


def test_mt940_parse_asn_file_in_swift_envelopes():
    statements = mt940_parse(read("mt940-asn.sta"))

    assert len(statements) == 31
    assert sum(len(s.lines) for s in statements) == 8
    first = statements[0]
    assert first.statement_id == "0000000000/1/1"
    assert first.account_iban == "NL81ASNB9999999999"
    assert (first.opening_balance, first.closing_balance) == (Decimal("444.29"), Decimal("379.29"))
    (line,) = first.lines
    assert line.amount == Decimal("-65.00")
    # ASN writes the counterparty's IBAN as the :61: reference and the name after it.
    assert line.counterparty_iban == "NL47INGB9999999999"
    assert line.counterparty_name == "hr gjlm paulissen"
    assert statements[-1].closing_balance == Decimal("501.23")
    assert statements[-1].to_date == date(2020, 1, 31)


def test_statements_parse_dispatches_mt940():
    statements = statements_parse("mt940", read("mt940-ing.sta"))
    assert [s.statement_id for s in statements] == ["MPBZ/000"]


# Built statements ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mark", "expected"),
    [
        ("C", Decimal("5.00")),
        ("D", Decimal("-5.00")),
        ("RC", Decimal("-5.00")),
        ("RD", Decimal("5.00")),
    ],
)
def test_mt940_parse_signs_marks_and_reversals(mark, expected):
    data = statement_text(f":61:2603020302{mark}5,00NTRFNONREF\n:86:Test\n")
    (statement,) = mt940_parse(data)
    assert statement.lines[0].amount == expected


def test_mt940_parse_statement_fields():
    data = statement_text(
        ":61:2603020301D12,50NDDTKD-1//BANKREF-1\n:86:Rent March\n",
        opening="D260301EUR100,00",
        closing="D260302EUR112,50",
    )
    (statement,) = mt940_parse(data)
    assert statement.statement_id == "STMT-7/7/1"
    assert statement.account_iban == "DE89370400440532013000"
    assert statement.currency == "EUR"
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("-100.00"),
        Decimal("-112.50"),
    )
    (line,) = statement.lines
    assert (line.value_date, line.booking_date) == (date(2026, 3, 2), date(2026, 3, 1))
    assert line.entry_reference == "KD-1"
    assert line.bank_reference == "BANKREF-1"
    assert line.remittance_info == "Rent March"
    assert line.bank_transaction_code == "NDDT"


def test_mt940_parse_falls_back_to_latin_1():
    data = statement_text(":61:2603020302C5,00NTRFNONREF\n:86:Gebühr März\n")
    (statement,) = mt940_parse(data.decode().encode("latin-1"))
    assert statement.lines[0].remittance_info == "Gebühr März"


def test_mt940_parse_bad_statement_line_gives_the_line_number():
    data = statement_text(":61:2603020302C5,00NTRFNONREF\n:86:ok\n:61:26X3020302C5,00NTRF\n")
    with pytest.raises(
        StatementFileInvalid, match=r"^Line 7: :61: '26X3020302C5,00NTRF' does not parse.$"
    ):
        mt940_parse(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello\nworld\n", "The file holds no MT940 statement (no line starts with :20:)."),
        (
            b":20:A\n:25:1\n:62F:C260301EUR1,00\n",
            "Statement at line 1: no opening balance (:60F: or :60M:).",
        ),
        (
            b"header\n:20:A\n:25:1\n:60F:C260301EUR1,00\n",
            "Statement at line 2: no closing balance (:62F: or :62M:).",
        ),
    ],
)
def test_mt940_parse_refuses_malformed_files(data, message):
    with pytest.raises(StatementFileInvalid) as raised:
        mt940_parse(data)
    assert raised.value.message == message


# :86: dialects ---------------------------------------------------------------------------


def test_details_split_german_subfields_and_sepa_keywords():
    raw = (
        "166?00SEPA-GUTSCHRIFT?109310?20EREF+E2E-2026-0001?21MREF+M-7?22SVWZ+Rechnung 2026-00\n"
        "0014?23 Danke?30COBADEFFXXX?31DE89 3704 0044 0532 0130 00?32Muster?33 GmbH"
    )
    details = details_split(raw)
    assert details.code == "166"
    assert details.end_to_end_id == "E2E-2026-0001"
    assert details.remittance_info == "Rechnung 2026-000014 Danke"
    assert details.counterparty_bic == "COBADEFFXXX"
    assert details.counterparty_iban == "DE89370400440532013000"
    assert details.counterparty_name == "Muster GmbH"


def test_details_split_german_blz_and_account_number_are_not_bic_and_iban():
    details = details_split("105?00LASTSCHRIFT?20Beitrag?3037040044?310532013000?32Verein")
    assert (details.counterparty_bic, details.counterparty_iban) == ("", "")
    assert details.remittance_info == "Beitrag"
    assert details.counterparty_name == "Verein"


def test_details_split_dutch_keywords():
    raw = (
        "/EREF/NOTPROVIDED/RTRN/MD06/BENM//NAME/Globex B.V./IBAN/NL91ABNA0417164300/BIC/ABNANL2A"
        "/REMI/Invoice 2026-000014/ISDT/2026-03-02"
    )
    details = details_split(raw)
    assert details.end_to_end_id == ""
    assert details.return_reason == "MD06"
    assert details.counterparty_name == "Globex B.V."
    assert details.counterparty_iban == "NL91ABNA0417164300"
    assert details.counterparty_bic == "ABNANL2A"
    assert details.remittance_info == "Invoice 2026-000014"


def test_details_split_ing_counterparty_and_structured_reference():
    raw = "/CNTP/NL08INGB0000000555/INGBNL2A/Jansen/Amsterdam/REMI/STRD/CUR/RF18539007547034/"
    details = details_split(raw)
    assert details.counterparty_iban == "NL08INGB0000000555"
    assert details.counterparty_bic == "INGBNL2A"
    assert details.counterparty_name == "Jansen"
    assert details.structured_reference == "RF18539007547034"


def test_details_split_plain_text_is_the_remittance():
    details = details_split("Invoice 2026-000014\n   customer 4711  ")
    assert details.remittance_info == "Invoice 2026-000014 customer 4711"
    assert details.counterparty_name == ""
