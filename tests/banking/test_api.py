"""The banking API as a clerk uses it (token): import, review, mark, post, reconcile; what
another entity's clerk may not see; bank accounts and party bank accounts checked; odd input
is a 400 or a 404, never a 500."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from banking.models import BankAccount, BankStatement, BankStatementLine
from entities.models import PartyBankAccount
from ledger.models import MainAccount
from receivables.models import OpenTransaction, Payment
from settlement.models import Settlement
from tests.conftest import make_clerk
from tests.factories.entities import CustomerFactory, PartyFactory
from tests.factories.receivables import post_invoice, post_payment

from .camt import camt053
from .conftest import FAB_IBAN, NORTHWIND_IBAN
from .helpers import line, statement_with

pytestmark = pytest.mark.django_db
D = Decimal
STATEMENTS = "/api/v1/bank-statements/"
LINES = "/api/v1/bank-statement-lines/"
ACCOUNTS = "/api/v1/bank-accounts/"


def as_user(api_client, user):
    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api_client


@pytest.fixture
def clerk(bank):
    """A clerk of FAB and FABE."""
    return make_clerk("clerk", bank["FAB"], bank["FABE"])


@pytest.fixture
def client(api_client, clerk):
    return as_user(api_client, clerk)


def upload(data: bytes, name: str = "statement.xml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/xml")


def import_file(client, account_id, data: bytes, fmt: str = "camt053", **extra):
    return client.post(
        STATEMENTS,
        {"bank_account": account_id, "file": upload(data), "format": fmt, **extra},
        format="multipart",
    )


def ot_id(document) -> int:
    return document.open_transaction.pk


def open_amount(document) -> Decimal:
    return OpenTransaction.objects.get(pk=ot_id(document)).open_amount


def error(response) -> tuple[int, str, dict]:
    body = response.json()
    return response.status_code, body["message"], body.get("fields", {})


# Import ------------------------------------------------------------------------------------


def test_import_returns_the_statements_with_their_lines(bank, client):
    data = camt053(
        iban=FAB_IBAN,
        opening="1000.00",
        entries=[
            {"amount": "600", "ref": "R1", "name": "Northwind Traders", "iban": NORTHWIND_IBAN},
            {"amount": "-4.5", "ref": "R2", "text": "Fees March"},
        ],
    )

    response = import_file(client, bank["account"].pk, data)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert isinstance(body["matching_job"], int)
    (statement,) = body["statements"]
    assert statement["statement_id"] == "STMT-1"
    assert statement["bank_account"] == bank["account"].pk
    assert (statement["opening_balance"], statement["closing_balance"]) == ("1000.00", "1595.50")
    assert statement["balance_warnings"] == []
    assert (statement["currency"], statement["status"]) == ("USD", "open")
    assert [(x["sequence"], x["amount"], x["status"]) for x in statement["lines"]] == [
        (1, "600.00", "unmatched"),
        (2, "-4.50", "unmatched"),
    ]
    first = statement["lines"][0]
    assert first["counterparty_name"] == "Northwind Traders"
    assert first["counterparty_iban"] == NORTHWIND_IBAN
    assert first["charges"] == "0.00"
    assert (first["booking_date"], first["value_date"]) == ("2026-03-10", "2026-03-10")
    assert BankStatement.objects.count() == 1
    assert BankStatementLine.objects.count() == 2


def test_import_same_file_again_is_a_conflict(bank, client):
    data = camt053(iban=FAB_IBAN, entries=[{"amount": "10.00", "ref": "A"}])
    assert import_file(client, bank["account"].pk, data).status_code == 201
    response = import_file(client, bank["account"].pk, data)
    status, message, fields = error(response)
    assert status == 409
    assert message.startswith("This file was already imported as statement STMT-1 on ")
    assert list(fields) == ["file"]
    assert BankStatement.objects.count() == 1


def test_import_bad_input_is_400_and_stores_nothing(bank, client):
    fabe_main = MainAccount.objects.create(
        legal_entity=bank["FABE"], number="110200", name="Bank", kind=MainAccount.Kind.ASSET
    )
    fabe_account = BankAccount.objects.create(
        legal_entity=bank["FABE"],
        code="EAST",
        name="East",
        iban="GB82WEST12345698765432",
        currency="USD",
        main_account=fabe_main,
    )
    east = make_clerk("east", bank["FABE"])
    fab_only = as_user(type(client)(), make_clerk("fab-only", bank["FAB"]))
    data = camt053(iban=FAB_IBAN, entries=[{"amount": "10.00", "ref": "A"}])
    account = bank["account"].pk

    bad_format = import_file(client, account, data, fmt="ofx")
    assert bad_format.status_code == 400
    assert list(bad_format.json()["fields"]) == ["format"]

    no_file = client.post(
        STATEMENTS, {"bank_account": account, "format": "camt053"}, format="multipart"
    )
    assert no_file.status_code == 400
    assert no_file.json()["fields"] == {"file": ["No file was submitted."]}

    assert error(import_file(fab_only, fabe_account.pk, data)) == (
        400,
        f"Bank account {fabe_account.pk} does not exist.",
        {"bank_account": [f"Bank account {fabe_account.pk} does not exist."]},
    )
    assert east.pk  # FABE's own clerk may import into it (the IBAN then differs: 400)
    wrong_iban = import_file(as_user(type(client)(), east), fabe_account.pk, data)
    assert wrong_iban.status_code == 400
    assert wrong_iban.json()["fields"] == {
        "file": [
            f"statement STMT-1 is for account {FAB_IBAN}, not for bank account EAST "
            "(GB82WEST12345698765432)."
        ]
    }

    csv_without_mapping = import_file(client, account, b"Date;Amount\n", fmt="csv")
    assert error(csv_without_mapping) == (
        400,
        "A CSV file needs a column mapping.",
        {"csv_mapping": ["A CSV file needs a column mapping."]},
    )
    malformed = import_file(client, account, b"<Document><Stmt></Document>")
    assert error(malformed)[0:2] == (
        400,
        "The file is not well-formed XML: line 1, column 19: mismatched tag.",
    )
    assert BankStatement.objects.count() == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"bank_account": "abc"},
        {"bank_account": "99999999999999999999999"},
        {"bank_account": "-1"},
        {"csv_mapping": "99999999999999999999999", "format": "csv"},
        {"format": ""},
    ],
)
def test_import_odd_fields_are_400(bank, client, fields):
    data = {
        "bank_account": bank["account"].pk,
        "file": upload(camt053(iban=FAB_IBAN, entries=[])),
        "format": "camt053",
        **fields,
    }
    response = client.post(STATEMENTS, data, format="multipart")
    assert response.status_code == 400, response.content


# Who sees what ---------------------------------------------------------------------------


def test_another_entitys_clerk_sees_no_statement_nor_line(bank, api_client):
    statement = statement_with(bank, [{"amount": "10.00"}])
    first = line(statement, 1)
    east = as_user(api_client, make_clerk("east", bank["FABE"]))

    assert east.get(STATEMENTS).json()["count"] == 0
    assert east.get(LINES).json()["count"] == 0
    assert east.get(f"{STATEMENTS}{statement.pk}/").status_code == 404
    assert east.get(f"{LINES}{first.pk}/").status_code == 404
    assert east.patch(f"{LINES}{first.pk}/", {"status": "ignored"}, format="json").status_code == (
        404
    )
    assert east.post(f"{LINES}{first.pk}/post/").status_code == 404
    assert east.post(f"{STATEMENTS}{statement.pk}/post/").status_code == 404
    assert east.get(f"{ACCOUNTS}{bank['account'].pk}/reconciliation/").status_code == 404
    assert BankStatementLine.objects.get(pk=first.pk).status == "unmatched"


def test_clerk_lists_and_retrieves_own_statements_and_lines(bank, client):
    statement = statement_with(bank, [{"amount": "10.00"}, {"amount": "-2.00"}])
    listed = client.get(STATEMENTS).json()
    assert listed["count"] == 1
    assert listed["results"][0]["lines"] == []  # the list leaves the lines out
    detail = client.get(f"{STATEMENTS}{statement.pk}/").json()
    assert [x["amount"] for x in detail["lines"]] == ["10.00", "-2.00"]
    lines = client.get(LINES, {"statement": statement.pk}).json()
    assert [x["amount"] for x in lines["results"]] == ["10.00", "-2.00"]
    assert client.get(LINES, {"status": "matched"}).json()["count"] == 0


# Marking and posting ---------------------------------------------------------------------


def test_patch_transactions_marks_another_entitys_invoice_then_posts_centralized(bank, client):
    invoice = post_invoice(bank["customers"]["FABE"], amounts=("600.00",))
    statement = statement_with(bank, [{"amount": "600.00"}])
    first = line(statement, 1)

    response = client.patch(
        f"{LINES}{first.pk}/", {"transactions": [{"transaction": ot_id(invoice)}]}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "matched"
    assert body["customer"] == bank["customers"]["FAB"].pk  # the payment is posted in FAB
    assert body["transactions"] == [
        {
            "transaction": ot_id(invoice),
            "amount": "600.00",
            "cash_discount": "0.00",
            "full_settlement": False,
            "credit": False,
        }
    ]

    posted = client.post(f"{LINES}{first.pk}/post/")

    assert posted.status_code == 200, posted.json()
    payment = Payment.objects.get(pk=posted.json()["payment"])
    assert (payment.legal_entity.code, payment.amount, payment.bank_account) == (
        "FAB",
        D("600.00"),
        "MAIN",
    )
    assert posted.json()["settlement"] is not None
    assert posted.json()["status"] == "posted"
    assert open_amount(invoice) == 0


def test_patch_transactions_of_two_parties_is_400_naming_the_second(bank, client):
    other = CustomerFactory(legal_entity=bank["FAB"], account="5000", party=PartyFactory())
    mine = post_invoice(bank["customers"]["FAB"], amounts=("10.00",))
    theirs = post_invoice(other, amounts=("10.00",))
    first = line(statement_with(bank, [{"amount": "20.00"}]), 1)
    response = client.patch(
        f"{LINES}{first.pk}/",
        {"transactions": [{"transaction": ot_id(mine)}, {"transaction": ot_id(theirs)}]},
        format="json",
    )
    status, message, fields = error(response)
    assert status == 400
    assert message == (
        f"transactions[1]: {theirs.number} is party {other.party.number}'s; one line settles "
        "one party's transactions (party 4050)."
    )
    assert fields == {"transactions": [message]}
    assert BankStatementLine.objects.get(pk=first.pk).marked == []


def test_patch_transaction_of_an_entity_not_granted_does_not_exist(bank, api_client):
    fab_only = as_user(api_client, make_clerk("fab-only", bank["FAB"]))
    invoice = post_invoice(bank["customers"]["FABW"], amounts=("10.00",))
    first = line(statement_with(bank, [{"amount": "10.00"}]), 1)
    response = fab_only.patch(
        f"{LINES}{first.pk}/", {"transactions": [{"transaction": ot_id(invoice)}]}, format="json"
    )
    assert error(response)[:2] == (
        400,
        f"transactions[0]: transaction {ot_id(invoice)} does not exist.",
    )


def test_patch_amount_above_the_line_is_400(bank, client):
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("100.00",))
    first = line(statement_with(bank, [{"amount": "40.00"}]), 1)
    response = client.patch(
        f"{LINES}{first.pk}/",
        {"transactions": [{"transaction": ot_id(invoice), "amount": "100.00"}]},
        format="json",
    )
    assert error(response)[:2] == (
        400,
        "transactions[0]: 100.00 is more than the line has left (40.00).",
    )


def test_patch_two_fields_at_once_is_400(bank, client):
    first = line(statement_with(bank, [{"amount": "-4.50"}]), 1)
    response = client.patch(
        f"{LINES}{first.pk}/",
        {"posting_type": "bank_charges", "status": "ignored"},
        format="json",
    )
    assert error(response) == (
        400,
        "Give exactly one of transactions, customer, posting_type, status or proposal.",
        {
            "non_field_errors": [
                "Give exactly one of transactions, customer, posting_type, status or proposal."
            ]
        },
    )
    assert BankStatementLine.objects.get(pk=first.pk).status == "unmatched"


def test_post_line_twice_returns_the_same_payment(bank, client):
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("100.00",))
    first = line(statement_with(bank, [{"amount": "100.00"}]), 1)
    client.patch(
        f"{LINES}{first.pk}/", {"transactions": [{"transaction": ot_id(invoice)}]}, format="json"
    )
    once = client.post(f"{LINES}{first.pk}/post/")
    again = client.post(f"{LINES}{first.pk}/post/")
    assert once.status_code == again.status_code == 200
    assert once.json()["payment"] == again.json()["payment"] is not None
    assert Payment.objects.count() == 1
    assert Settlement.objects.count() == 1


def test_post_statement_reports_each_line_and_goes_on_after_a_conflict(bank, client):
    customer = bank["customers"]["FAB"]
    one = post_invoice(customer, amounts=("100.00",))
    two = post_invoice(customer, amounts=("50.00",))
    statement = statement_with(
        bank, [{"amount": "100.00"}, {"amount": "50.00"}, {"amount": "-3.00"}, {"amount": "9.00"}]
    )
    lines = [line(statement, n) for n in (1, 2, 3)]
    for each, invoice in zip(lines, (one, two), strict=False):
        client.patch(
            f"{LINES}{each.pk}/",
            {"transactions": [{"transaction": ot_id(invoice)}]},
            format="json",
        )
    client.patch(f"{LINES}{lines[2].pk}/", {"posting_type": "bank_charges"}, format="json")
    # The first invoice is settled by hand meanwhile.
    payment = post_payment(customer, amount="100.00")
    client.post(
        "/api/v1/settlements/",
        {
            "date": "2026-03-10",
            "primary_payment": None,
            "lines": [{"transaction": ot_id(payment)}, {"transaction": ot_id(one)}],
        },
        format="json",
    )

    response = client.post(f"{STATEMENTS}{statement.pk}/post/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["posted"], body["failed"]) == (2, 1)
    assert [(x["line"], x["status"]) for x in body["lines"]] == [
        (lines[0].pk, "matched"),
        (lines[1].pk, "posted"),
        (lines[2].pk, "posted"),
    ]
    assert one.number in body["lines"][0]["error"]
    assert body["lines"][1]["error"] is None
    # Line 4 has nothing to post yet: it is left as it is.
    assert line(statement, 4).status == "unmatched"
    assert open_amount(two) == 0
    assert Payment.objects.count() == 2  # the manual one and line 2's


def test_patch_posting_type_bank_charges_then_post(bank, client):
    first = line(statement_with(bank, [{"amount": "-4.50"}]), 1)
    changed = client.patch(f"{LINES}{first.pk}/", {"posting_type": "bank_charges"}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["status"], changed.json()["posting_type"]) == (
        "matched",
        "bank_charges",
    )
    posted = client.post(f"{LINES}{first.pk}/post/")
    assert posted.status_code == 200
    assert posted.json()["status"] == "posted"
    assert posted.json()["voucher"] is not None
    assert posted.json()["payment"] is None


def test_reconciliation_before_and_after_posting(bank, client):
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("250.00",))
    statement = statement_with(bank, [{"amount": "250.00"}, {"amount": "-2.00"}])
    url = f"{ACCOUNTS}{bank['account'].pk}/reconciliation/"

    before = client.get(url, {"date": "2026-03-10"})
    assert before.status_code == 200
    assert before.json() == {
        "bank_account": bank["account"].pk,
        "date": "2026-03-10",
        "currency": "USD",
        "ledger_balance": "0.00",
        "statement_balance": "248.00",
        "difference": "248.00",
        "lines_not_posted": 2,
        "statements_with_warnings": 0,
        "last_statement": "S1",
        "reconciled": False,
    }
    client.patch(
        f"{LINES}{line(statement, 1).pk}/",
        {"transactions": [{"transaction": ot_id(invoice)}]},
        format="json",
    )
    client.patch(
        f"{LINES}{line(statement, 2).pk}/", {"posting_type": "bank_charges"}, format="json"
    )
    client.post(f"{STATEMENTS}{statement.pk}/post/")

    after = client.get(url, {"date": "2026-03-10"}).json()
    assert (after["ledger_balance"], after["difference"], after["lines_not_posted"]) == (
        "248.00",
        "0.00",
        0,
    )
    assert after["reconciled"] is True
    # The day before: no statement yet, nothing posted.
    earlier = client.get(url, {"date": "2026-03-09"}).json()
    assert (earlier["statement_balance"], earlier["last_statement"]) == ("0.00", None)


# Bank accounts and party bank accounts -------------------------------------------------------


@pytest.fixture
def admin_client(api_client, admin_user):
    return as_user(api_client, admin_user)


def account_body(bank, **changes) -> dict:
    from ledger.models import MainAccount

    MainAccount.objects.get_or_create(
        legal_entity=bank["FAB"],
        number="110210",
        defaults={"name": "Bank EUR", "kind": MainAccount.Kind.ASSET},
    )
    return {
        "legal_entity": "FAB",
        "code": "EUR",
        "name": "Main EUR",
        "iban": "NL91 ABNA 0417 1643 00",
        "bic": "ABNANL2A",
        "currency": "EUR",
        "main_account": "110210",
        **changes,
    }


def test_bank_account_create_normalizes_iban(bank, admin_client):
    response = admin_client.post(ACCOUNTS, account_body(bank), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["iban"] == "NL91ABNA0417164300"
    assert response.json()["main_account"] == "110210"


def test_bank_account_create_refuses_a_main_account_of_another_bank_account(bank, admin_client):
    response = admin_client.post(ACCOUNTS, account_body(bank, main_account="110200"), format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["fields"] == {
        "main_account": [
            "Main account 110200 is already another bank account's: each bank account has its "
            "own, which its reconciliation reads."
        ]
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"iban": "NL91ABNA0417164301"}, "iban"),
        ({"iban": "not an iban"}, "iban"),
        ({"bic": "ABNA"}, "bic"),
        ({"bic": "ABNANL2A1234"}, "bic"),
        ({"main_account": "999999"}, "main_account"),
        ({"iban": FAB_IBAN}, "iban"),
        ({"currency": "XYZ"}, "currency"),
    ],
    ids=["iban-check-digits", "iban-text", "bic-short", "bic-long", "main", "dup-iban", "ccy"],
)
def test_bank_account_create_refuses_bad_fields(bank, admin_client, changes, field):
    response = admin_client.post(ACCOUNTS, account_body(bank, **changes), format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()["fields"]) == [field]
    assert BankAccount.objects.count() == 1


def test_bank_account_create_with_another_entitys_main_account_is_400(bank, admin_client):
    MainAccount.objects.create(
        legal_entity=bank["FABE"], number="119900", name="FABE bank", kind=MainAccount.Kind.ASSET
    )
    response = admin_client.post(ACCOUNTS, account_body(bank, main_account="119900"), format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"main_account": ["FAB has no main account 119900."]}
    assert BankAccount.objects.count() == 1


def test_bank_account_duplicate_iban_message(bank, admin_client):
    response = admin_client.post(ACCOUNTS, account_body(bank, iban=FAB_IBAN), format="json")
    assert error(response)[:2] == (400, f"IBAN {FAB_IBAN} is already a bank account.")


def test_clerk_may_not_create_a_bank_account(bank, client):
    assert client.post(ACCOUNTS, account_body(bank), format="json").status_code == 403


def test_party_bank_accounts_refuse_an_iban_of_another_party(bank, admin_client):
    other = PartyFactory(number="5050", name="Litware")
    response = admin_client.patch(
        "/api/v1/parties/5050/",
        {"bank_accounts": [{"iban": NORTHWIND_IBAN, "bic": "", "name": "Litware main"}]},
        format="json",
    )
    message = (
        f"bank_accounts[0]: IBAN {NORTHWIND_IBAN} belongs to party 4050: an IBAN identifies "
        "one party."
    )
    assert error(response) == (400, message, {"bank_accounts": [message]})
    assert not PartyBankAccount.objects.filter(party=other).exists()
    ok = admin_client.patch(
        "/api/v1/parties/5050/",
        {"bank_accounts": [{"iban": "NL91 ABNA 0417 1643 00", "name": "Litware main"}]},
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["bank_accounts"] == [
        {"iban": "NL91ABNA0417164300", "bic": "", "name": "Litware main"}
    ]


# Odd input: never a 500 ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"{STATEMENTS}abc/",
        f"{STATEMENTS}99999999999999999999999/",
        f"{LINES}abc/",
        f"{LINES}-1/",
        f"{LINES}99999999999999999999999/",
        f"{ACCOUNTS}abc/reconciliation/",
        f"{ACCOUNTS}99999999999999999999999/reconciliation/",
    ],
)
def test_odd_ids_are_404(bank, client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "query",
    [{"date": "yesterday"}, {"date": "2026-02-30"}, {"dat": "2026-03-01"}],
)
def test_reconciliation_odd_query_is_400(bank, client, query):
    response = client.get(f"{ACCOUNTS}{bank['account'].pk}/reconciliation/", query)
    assert response.status_code == 400


INVOICE = "the invoice's open transaction"


def with_invoice(body, invoice):
    """``body`` with the invoice's open transaction id for ``INVOICE``."""
    if isinstance(body, dict):
        return {k: with_invoice(v, invoice) for k, v in body.items()}
    if isinstance(body, list):
        return [with_invoice(v, invoice) for v in body]
    return ot_id(invoice) if body == INVOICE else body


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"status": "posted"},
        {"status": "matched"},
        {"proposal": 5},
        {"proposal": -1},
        {"proposal": "first"},
        {"customer": "abc"},
        {"customer": 99999999999999999999999},
        {"posting_type": "customer_balance"},
        {"posting_type": ""},
        {"transactions": []},
        {"transactions": "all"},
        {"transactions": [{"transaction": "abc"}]},
        {"transactions": [{"transaction": 99999999999999999999999}]},
        {"transactions": [{"transaction": INVOICE, "amount": "1e400"}]},
        {"transactions": [{"transaction": INVOICE, "amount": "NaN"}]},
        {"transactions": [{"transaction": INVOICE, "amount": "99999999999999999999.99"}]},
        {"transactions": [{"transaction": INVOICE, "amount": "-5.00"}]},
        {"transactions": [{"transaction": INVOICE, "cash_discount": "0.001"}]},
        {"transactions": [{"transaction": INVOICE}, {"transaction": INVOICE}]},
    ],
)
def test_patch_odd_bodies_are_400(bank, client, body):
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("10.00",))
    first = line(statement_with(bank, [{"amount": "10.00"}]), 1)
    response = client.patch(f"{LINES}{first.pk}/", with_invoice(body, invoice), format="json")
    assert response.status_code == 400, response.content
    assert BankStatementLine.objects.get(pk=first.pk).status == "unmatched"


def test_patch_status_ignored_then_unmatched(bank, client):
    first = line(statement_with(bank, [{"amount": "1.00"}]), 1)
    ignored = client.patch(f"{LINES}{first.pk}/", {"status": "ignored"}, format="json")
    assert ignored.json()["status"] == "ignored"
    cannot = client.post(f"{LINES}{first.pk}/post/")
    assert error(cannot)[:2] == (400, "The line is ignored: change it before posting.")
    back = client.patch(f"{LINES}{first.pk}/", {"status": "unmatched"}, format="json")
    assert back.json()["status"] == "unmatched"


def test_patch_a_posted_line_is_400(bank, client):
    first = line(statement_with(bank, [{"amount": "-1.00"}]), 1)
    client.patch(f"{LINES}{first.pk}/", {"posting_type": "bank_charges"}, format="json")
    client.post(f"{LINES}{first.pk}/post/")
    response = client.patch(f"{LINES}{first.pk}/", {"status": "ignored"}, format="json")
    assert error(response)[:2] == (400, "The line is posted and cannot change.")


def test_patch_customer_of_another_entity_not_granted_does_not_exist(bank, api_client):
    fab_only = as_user(api_client, make_clerk("fab-only", bank["FAB"]))
    first = line(statement_with(bank, [{"amount": "5.00"}]), 1)
    fabe_customer = bank["customers"]["FABE"]
    response = fab_only.patch(f"{LINES}{first.pk}/", {"customer": fabe_customer.pk}, format="json")
    assert error(response)[:2] == (400, f"Customer {fabe_customer.pk} does not exist.")


def test_resolve_warnings_needs_a_note(bank, client):
    statement = statement_with(bank, [{"amount": "1.00"}])
    statement.balance_warnings = ["Opening balance 0.00 plus the lines 1.00 is 1.00, not 2.00."]
    statement.save()
    url = f"{STATEMENTS}{statement.pk}/resolve-warnings/"
    assert client.post(url, {}, format="json").json()["fields"] == {
        "note": ["This field is required."]
    }
    assert client.post(url, {"note": "  "}, format="json").status_code == 400
    assert client.post(url, {"note": ["a", "b"]}, format="json").json()["fields"] == {
        "note": ["Not a valid string."]
    }
    statement.refresh_from_db()
    assert statement.warnings_resolved_by_id is None

    resolved = client.post(url, {"note": "Bank confirmed the closing balance"}, format="json")

    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["warnings_resolved_note"] == "Bank confirmed the closing balance"
    assert resolved.json()["status"] == "open"  # its line is not posted yet


def test_post_line_with_nothing_to_post_is_400(bank, client):
    first = line(statement_with(bank, [{"amount": "5.00"}]), 1)
    response = client.post(f"{LINES}{first.pk}/post/")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "status": [
            "The line has nothing to post yet: accept a proposal, mark transactions, choose a "
            "customer or a posting type, or ignore it."
        ]
    }
    assert BankStatementLine.objects.get(pk=first.pk).error == response.json()["message"]


def test_import_date_today_in_the_returned_job(bank, client):
    # The job queued by the import is the clerk's to follow.
    data = camt053(iban=FAB_IBAN, entries=[{"amount": "1.00", "ref": "Z"}], on=date(2026, 3, 10))
    body = import_file(client, bank["account"].pk, data).json()
    job = client.get(f"/api/v1/jobs/{body['matching_job']}/")
    assert job.status_code == 200


def test_patch_amount_between_the_discounted_and_the_open_amount_is_a_partial_payment(bank, client):
    from tests.factories.entities import CashDiscountFactory

    # 2 % within 10 days: 2.00 of discount is open on the line's value date.
    invoice = post_invoice(
        bank["customers"]["FAB"], amounts=("100.00",), cash_discount=CashDiscountFactory()
    )
    first = line(statement_with(bank, [{"amount": "99.00"}]), 1)

    marked = client.patch(
        f"{LINES}{first.pk}/",
        {"transactions": [{"transaction": ot_id(invoice), "amount": "99.00"}]},
        format="json",
    )

    assert marked.status_code == 200, marked.json()
    assert marked.json()["transactions"] == [
        {
            "transaction": ot_id(invoice),
            "amount": "99.00",
            "cash_discount": None,
            "full_settlement": False,
            "credit": False,
        }
    ]
    assert client.post(f"{LINES}{first.pk}/post/").status_code == 200
    # As the settlement takes it: 99.00 paid, no discount on a partial payment, 1.00 open.
    assert open_amount(invoice) == D("1.00")


def test_patch_amount_above_the_open_amount_is_400(bank, client):
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("100.00",))
    first = line(statement_with(bank, [{"amount": "150.00"}]), 1)
    response = client.patch(
        f"{LINES}{first.pk}/",
        {"transactions": [{"transaction": ot_id(invoice), "amount": "120.00"}]},
        format="json",
    )
    assert error(response)[:2] == (
        400,
        f"transactions[0]: 120.00 is more than {invoice.number}'s open amount 100.00.",
    )
    with_discount = client.patch(
        f"{LINES}{first.pk}/",
        {
            "transactions": [
                {"transaction": ot_id(invoice), "amount": "99.00", "cash_discount": "2"}
            ]
        },
        format="json",
    )
    # An explicit discount beyond what is open is refused here, not left to the settlement.
    assert error(with_discount)[:2] == (
        400,
        f"transactions[0]: 99.00 plus discount 2.00 is more than {invoice.number}'s open amount "
        "100.00.",
    )


def test_a_clerk_sees_no_proposal_of_an_entity_not_granted(bank, api_client, admin_user):
    """Matching ran as someone granted FABE too: a clerk of FAB alone sees neither the FABE
    invoice's proposal nor its id among the marked transactions."""
    from banking.services.matching import statement_match

    invoice = post_invoice(bank["customers"]["FABE"], amounts=("600.00",))
    statement = statement_with(bank, [{"amount": "600.00", "remittance_info": invoice.number}])
    statement_match(statement=statement, actor=admin_user)
    first = line(statement, 1)
    assert first.status == "matched" and first.proposals

    fab_only = as_user(api_client, make_clerk("fab-only", bank["FAB"]))
    for body in (
        fab_only.get(f"{LINES}{first.pk}/").json(),
        fab_only.get(f"{LINES}?statement={statement.pk}").json()["results"][0],
        fab_only.get(f"{STATEMENTS}{statement.pk}/").json()["lines"][0],
    ):
        assert body["proposals"] == []
        assert [item["transaction"] for item in body["transactions"]] == [None]
        assert invoice.number not in str(body["proposals"])  # the bank's own text names it
