"""Importing statement files into a bank account (the service): real camt.053 and MT940 files,
balance warnings, refusals that store nothing, lines that never come in twice, returned
direct debits matched at import."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from banking.exceptions import StatementAlreadyImported, StatementInvalid
from banking.models import BankAccount, BankStatement, BankStatementLine, CsvMapping
from banking.parsers import StatementFileInvalid
from banking.services.imports import statement_import
from ledger.models import MainAccount
from receivables.models import OpenTransaction
from receivables.services import PaymentInput, payments_post
from settlement.services import SettlementLineInput, settlement_create
from tests.factories.receivables import post_invoice

from .camt import camt053
from .conftest import FAB_IBAN
from .test_parse_camt053 import BILLION_LAUGHS

pytestmark = pytest.mark.django_db
D = Decimal
FILES = Path(__file__).parent / "files"
Status = BankStatementLine.Status


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def eur_account(bank, *, iban: str, account_number: str = "", code: str = "EUR") -> BankAccount:
    """A EUR bank account of FAB named as the file names it."""
    main = MainAccount.objects.create(
        legal_entity=bank["FAB"],
        number=f"1103{BankAccount.objects.count():02d}",
        name=f"Bank {code}",
        kind=MainAccount.Kind.ASSET,
    )
    return BankAccount.objects.create(
        legal_entity=bank["FAB"],
        code=code,
        name=f"{code} account",
        iban=iban,
        account_number=account_number,
        currency="EUR",
        main_account=main,
    )


def counts() -> tuple[int, int]:
    return BankStatement.objects.count(), BankStatementLine.objects.count()


def do_import(account, data: bytes, *, actor, fmt: str = "camt053", **kwargs):
    return statement_import(
        bank_account=account, fmt=fmt, data=data, actor=actor, match=False, **kwargs
    )


# Real files ------------------------------------------------------------------------------


def test_statement_import_camt053_file_warns_that_it_does_not_balance(bank, admin_user):
    # The file names the account as Othr/Id NL26VAYB8060476890, in EUR.
    account = eur_account(bank, iban="NL26VAYB8060476890")

    (statement,) = statement_import(
        bank_account=account,
        fmt="camt053",
        data=read("camt053-001.08.xml"),
        file_name="camt053-001.08.xml",
        actor=admin_user,
    )

    assert counts() == (1, 1)
    assert statement.statement_id == "253EURNL26VAYB8060476890"
    assert (statement.currency, statement.format, statement.file_name) == (
        "EUR",
        "camt053",
        "camt053-001.08.xml",
    )
    assert (statement.opening_balance, statement.closing_balance) == (D("18.15"), D("-27.00"))
    # The public sample does not balance: stored, with the warning.
    assert statement.balance_warnings == [
        "Opening balance 18.15 plus the lines 8.85 is 27.00, not the closing balance -27.00."
    ]
    assert statement.status == BankStatement.Status.OPEN
    assert statement.matching_job is not None
    (line,) = statement.lines.all()
    assert (line.sequence, line.amount, line.currency) == (1, D("8.85"), "EUR")
    assert (line.booking_date, line.value_date) == (date(2014, 12, 31), date(2015, 1, 2))
    assert line.counterparty_iban == "NL56AGDH9619008421"
    assert line.end_to_end_id == "MUELL/FINP/RA12345"
    assert line.bank_account_id == account.pk
    assert line.status == Status.UNMATCHED


def test_statement_import_mt940_file_of_31_daily_statements(bank, admin_user):
    # ASN Bank names the account by an IBAN this bank account knows as its account number.
    account = eur_account(
        bank, iban="NL91ABNA0417164300", account_number="NL81ASNB9999999999", code="ASN"
    )

    statements = do_import(account, read("mt940-asn.sta"), fmt="mt940", actor=admin_user)

    assert counts() == (31, 8)
    assert [s.statement_id for s in statements[:2]] == ["0000000000/1/1", "0000000000/2/1"]
    # Every statement balances and opens with the closing balance of the one before.
    assert [s.balance_warnings for s in statements] == [[]] * 31
    assert (statements[0].opening_balance, statements[-1].closing_balance) == (
        D("444.29"),
        D("501.23"),
    )
    total = sum(BankStatementLine.objects.values_list("amount", flat=True), D("0"))
    assert total == D("501.23") - D("444.29")


def test_statement_import_mt940_file_that_does_not_balance_is_stored_with_a_warning(
    bank, admin_user
):
    account = eur_account(bank, iban="NL91ABNA0417164300", account_number="0001234567", code="ING")

    (statement,) = do_import(account, read("mt940-ing.sta"), fmt="mt940", actor=admin_user)

    assert counts() == (1, 7)
    assert statement.statement_id == "MPBZ/000"
    assert statement.balance_warnings == [
        "Opening balance 0.00 plus the lines -45.59 is -45.59, not the closing balance 3.47."
    ]


# Refusals: nothing stored ----------------------------------------------------------------


def assert_refused(error_class, message: str, call) -> None:
    before = counts()
    with pytest.raises(error_class) as raised:
        call()
    assert raised.value.message == message
    assert raised.value.fields == {"file": [message]}
    assert counts() == before


def test_statement_import_refuses_another_iban(bank, admin_user):
    data = camt053(iban="GB82WEST12345698765432", entries=[{"amount": "10.00", "ref": "A"}])
    assert_refused(
        StatementInvalid,
        "statement STMT-1 is for account GB82WEST12345698765432, not for bank account MAIN "
        f"({FAB_IBAN}).",
        lambda: do_import(bank["account"], data, actor=admin_user),
    )


def test_statement_import_refuses_another_currency(bank, admin_user):
    data = camt053(iban=FAB_IBAN, currency="EUR", entries=[{"amount": "10.00", "ref": "A"}])
    assert_refused(
        StatementInvalid,
        "statement STMT-1 is in EUR; bank account MAIN is in USD.",
        lambda: do_import(bank["account"], data, actor=admin_user),
    )


def test_statement_import_refuses_a_file_with_one_statement_of_another_account(bank, admin_user):
    # The German file holds 26 statements of several accounts: all or none are stored.
    account = eur_account(
        bank, iban="NL91ABNA0417164300", account_number="50880050/0194774600888", code="DE"
    )
    assert_refused(
        StatementInvalid,
        "statement T089413956000001/00004/00001 is for account 50880050/0194777100888, not "
        "for bank account DE (NL91ABNA0417164300).",
        lambda: do_import(account, read("mt940-german-sepa.sta"), fmt="mt940", actor=admin_user),
    )


def test_statement_import_refuses_the_same_file_again(bank, admin_user):
    data = camt053(iban=FAB_IBAN, entries=[{"amount": "10.00", "ref": "A"}])
    (first,) = do_import(bank["account"], data, actor=admin_user)
    imported_on = first.imported_at.date()
    assert_refused(
        StatementAlreadyImported,
        f"This file was already imported as statement STMT-1 on {imported_on}.",
        lambda: do_import(bank["account"], data, actor=admin_user),
    )
    assert StatementAlreadyImported.http_status == 409


def test_statement_import_refuses_the_same_statement_in_another_file(bank, admin_user):
    do_import(
        bank["account"],
        camt053(iban=FAB_IBAN, entries=[{"amount": "10.00", "ref": "A"}]),
        actor=admin_user,
    )
    other_file = camt053(iban=FAB_IBAN, entries=[{"amount": "20.00", "ref": "B"}])
    assert_refused(
        StatementAlreadyImported,
        "Statement STMT-1 of MAIN is already imported.",
        lambda: do_import(bank["account"], other_file, actor=admin_user),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \n\t", "The file is empty."),
        (
            b'<?xml version="1.0"?>\n<Document>\n  <BkToCstmrStmt>\n</Document>\n',
            "The file is not well-formed XML: line 4, column 3: mismatched tag.",
        ),
        (
            BILLION_LAUGHS,
            "The XML file declares a document type or entities, which statement files never "
            "need; it is refused unread (DTDForbidden).",
        ),
    ],
    ids=["empty", "blank", "malformed", "billion-laughs"],
)
def test_statement_import_refuses_a_file_that_does_not_parse(bank, admin_user, data, message):
    assert_refused(
        StatementFileInvalid,
        message,
        lambda: do_import(bank["account"], data, actor=admin_user),
    )


def test_statement_import_refuses_a_csv_line_with_a_bad_date(bank, admin_user):
    mapping = CsvMapping.objects.create(
        legal_entity=bank["FAB"],
        name="Simple",
        columns={"booking_date": "Date", "amount": "Amount", "remittance_info": "Text"},
    )
    data = b"Date;Amount;Text\n02.03.2026;100,00;Invoice 1\n31.02.2026;50,00;Invoice 2\n"
    assert_refused(
        StatementFileInvalid,
        "line 3, column 'Date': '31.02.2026' is not a date (%d.%m.%Y).",
        lambda: do_import(bank["account"], data, fmt="csv", csv_mapping=mapping, actor=admin_user),
    )


def test_statement_import_csv_file(bank, admin_user):
    mapping = CsvMapping.objects.create(
        legal_entity=bank["FAB"],
        name="Simple",
        columns={"booking_date": "Date", "amount": "Amount", "remittance_info": "Text"},
    )
    data = b"Date;Amount;Text\n02.03.2026;100,00;Invoice 1\n03.03.2026;-1,50;Fee\n"
    (statement,) = do_import(
        bank["account"], data, fmt="csv", csv_mapping=mapping, actor=admin_user
    )
    assert counts() == (1, 2)
    assert statement.balance_warnings == []
    assert [line.amount for line in statement.lines.order_by("sequence")] == [
        D("100.00"),
        D("-1.50"),
    ]


# Balances and lines already imported -----------------------------------------------------


def test_statement_import_skips_a_line_of_an_earlier_statement_with_a_warning(bank, admin_user):
    account = bank["account"]
    entry = {"amount": "100.00", "ref": "BANK-0001", "name": "Northwind Traders"}
    do_import(account, camt053(iban=FAB_IBAN, statement_id="S1", entries=[entry]), actor=admin_user)

    (second,) = do_import(
        account,
        camt053(
            iban=FAB_IBAN,
            statement_id="S2",
            opening="100.00",
            entries=[entry, {"amount": "40.00", "ref": "BANK-0002"}],
        ),
        actor=admin_user,
    )

    assert counts() == (2, 2)
    assert [line.bank_reference for line in second.lines.all()] == ["BANK-0002"]
    assert [line.sequence for line in second.lines.all()] == [2]
    # The statement balances as the bank wrote it (100 + 100 + 40 = 240); the skipped line is
    # the only warning.
    assert second.balance_warnings == [
        "1 line(s) already imported in an earlier statement were not imported again."
    ]


def test_statement_import_warns_when_the_opening_balance_is_not_the_previous_closing(
    bank, admin_user
):
    account = bank["account"]
    do_import(
        account,
        camt053(iban=FAB_IBAN, statement_id="S1", entries=[{"amount": "100.00", "ref": "A"}]),
        actor=admin_user,
    )
    (second,) = do_import(
        account,
        camt053(
            iban=FAB_IBAN,
            statement_id="S2",
            opening="90.00",
            entries=[{"amount": "5.00", "ref": "B"}],
            on=date(2026, 3, 11),
        ),
        actor=admin_user,
    )
    assert second.balance_warnings == [
        "The opening balance 90.00 differs from the previous statement's closing balance 100.00."
    ]
    assert counts() == (2, 2)


def test_statement_import_compares_an_older_statement_with_the_one_before_it(bank, admin_user):
    account = bank["account"]
    for statement_id, day, opening, amount in (
        ("S1", 10, "0.00", "100.00"),
        ("S3", 12, "150.00", "5.00"),
    ):
        do_import(
            account,
            camt053(
                iban=FAB_IBAN,
                statement_id=statement_id,
                opening=opening,
                entries=[{"amount": amount, "ref": statement_id}],
                on=date(2026, 3, day),
            ),
            actor=admin_user,
        )
    # The statement of the 11th comes in last: it follows the 10th's, not the 12th's.
    (second,) = do_import(
        account,
        camt053(
            iban=FAB_IBAN,
            statement_id="S2",
            opening="100.00",
            entries=[{"amount": "50.00", "ref": "S2"}],
            on=date(2026, 3, 11),
        ),
        actor=admin_user,
    )
    assert second.balance_warnings == []


# Returned direct debits ------------------------------------------------------------------


def test_statement_import_matches_a_returned_direct_debit_to_its_payment(bank, admin_user):
    customer = bank["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=("250.00",))
    (collected,) = payments_post(
        inputs=[
            PaymentInput(
                legal_entity=bank["FAB"],
                customer=customer,
                date=date(2026, 3, 5),
                amount=D("250.00"),
                bank_ledger_account=bank["main"],
                end_to_end_id="DD-2026-000031",
            )
        ],
        actor=admin_user,
    )
    settlement_create(
        lines=[
            SettlementLineInput(OpenTransaction.objects.get(payment=collected).pk),
            SettlementLineInput(invoice.open_transaction.pk),
        ],
        on=date(2026, 3, 5),
        primary=None,
        actor=admin_user,
    )
    data = camt053(
        iban=FAB_IBAN,
        opening="250.00",
        entries=[
            {
                "amount": "-252.50",
                "ref": "RET-1",
                "end_to_end_id": "DD-2026-000031",
                "return_reason": "MD06",
                "name": "Northwind Traders",
            },
            {"amount": "-10.00", "ref": "OTHER", "end_to_end_id": "DD-UNKNOWN"},
        ],
    )

    (statement,) = do_import(bank["account"], data, actor=admin_user)

    returned, other = statement.lines.order_by("sequence")
    assert returned.status == Status.MATCHED
    assert returned.returned_payment_id == collected.pk
    assert returned.customer_id == customer.pk
    assert returned.return_reason == "MD06"
    assert returned.proposals[0]["rule"] == "return"
    assert returned.proposals[0]["confidence"] == 100
    assert returned.proposals[0]["reason"] == (
        f"Returned direct debit DD-2026-000031 of payment {collected.number} (reason MD06); "
        "return fee 2.50."
    )
    assert (other.status, other.returned_payment_id) == (Status.UNMATCHED, None)


def two_statements(first: bytes, second: bytes) -> bytes:
    """One document holding the statements of two ``camt053`` documents."""
    text = second.decode()
    statement = text[text.index("<Stmt>") : text.index("</Stmt>") + len("</Stmt>")]
    return first.decode().replace("</Stmt>", "</Stmt>" + statement).encode()


def test_statement_import_skips_a_line_of_an_earlier_statement_of_the_same_file(bank, admin_user):
    entry = {"amount": "100.00", "ref": "BANK-0001"}
    data = two_statements(
        camt053(iban=FAB_IBAN, statement_id="S1", entries=[entry]),
        camt053(
            iban=FAB_IBAN,
            statement_id="S2",
            opening="100.00",
            entries=[entry, {"amount": "40.00", "ref": "BANK-0002"}],
        ),
    )

    first, second = do_import(bank["account"], data, actor=admin_user)

    assert counts() == (2, 2)
    assert [line.bank_reference for line in first.lines.all()] == ["BANK-0001"]
    assert [line.bank_reference for line in second.lines.all()] == ["BANK-0002"]
    assert second.balance_warnings == [
        "1 line(s) already imported in an earlier statement were not imported again."
    ]


@pytest.mark.parametrize("fmt", ["mt940", "camt053"])
def test_statement_import_refuses_a_nul_character_with_its_line(bank, admin_user, fmt):
    from banking.parsers import StatementFileInvalid
    from banking.services.imports import statement_import

    with pytest.raises(StatementFileInvalid, match="Line 2: the file holds a NUL character"):
        statement_import(
            bank_account=bank["account"],
            fmt=fmt,
            data=b":20:STMT\n:25:X\x00\n",
            actor=admin_user,
            match=False,
        )


def test_statement_import_of_overlapping_csv_exports_brings_each_line_in_once(bank, admin_user):
    mapping = CsvMapping.objects.create(
        legal_entity=bank["FAB"],
        name="Simple",
        columns={"booking_date": "Date", "amount": "Amount", "remittance_info": "Text"},
    )
    first = b"Date;Amount;Text\n02.03.2026;100,00;Invoice 1\n03.03.2026;10,00;Coffee\n"
    # The second export covers the 3rd again (with a second, genuinely new coffee) and the 4th.
    second = (
        b"Date;Amount;Text\n03.03.2026;10,00;Coffee\n03.03.2026;10,00;Coffee\n04.03.2026;5,00;Tip\n"
    )
    do_import(bank["account"], first, fmt="csv", csv_mapping=mapping, actor=admin_user)
    (statement,) = do_import(
        bank["account"], second, fmt="csv", csv_mapping=mapping, actor=admin_user
    )
    assert [(line.sequence, line.amount) for line in statement.lines.order_by("sequence")] == [
        (2, D("10.00")),
        (3, D("5.00")),
    ]
    assert counts() == (2, 4)
    assert "1 line(s) already imported" in statement.balance_warnings[-1]


def test_statement_import_refuses_a_line_in_another_currency(bank, admin_user):
    data = camt053(
        iban=FAB_IBAN, statement_id="FX", entries=[{"amount": "100.00", "ref": "A"}]
    ).replace(
        b'<Amt Ccy="USD">100.00</Amt><CdtDbtInd>CRDT', b'<Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT'
    )
    assert_refused(
        StatementInvalid,
        "Statement FX, line 1 is in EUR, its statement in USD.",
        lambda: do_import(bank["account"], data, actor=admin_user),
    )


def test_statement_import_refuses_an_amount_with_more_decimals_than_its_currency(bank, admin_user):
    data = camt053(iban=FAB_IBAN, statement_id="DEC", entries=[{"amount": "100.123", "ref": "A"}])
    assert_refused(
        StatementInvalid,
        "Statement DEC, line 1: 100.123 has more decimals than USD has.",
        lambda: do_import(bank["account"], data, actor=admin_user),
    )
