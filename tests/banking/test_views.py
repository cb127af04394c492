"""The banking room's browser pages through Django's test client: every page for a clerk,
nothing of another entity, writes only with the role, refusals beside their fields, and a line's
row answered in place (htmx)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from banking.models import BankAccount, BankStatement, BankStatementLine
from banking.services.lines import MarkedInput, line_transactions_mark
from ledger.models import MainAccount
from tests.conftest import make_clerk
from tests.factories.entities import EntityGrantFactory, LegalEntityFactory, UserFactory
from tests.factories.receivables import post_invoice

from .camt import camt053
from .conftest import FAB_IBAN, NORTHWIND_IBAN
from .helpers import line, statement_with

pytestmark = pytest.mark.django_db
Status = BankStatementLine.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clerk(bank, client):
    user = make_clerk("clerk", bank["FAB"], bank["FABE"])
    client.force_login(user)
    return user


@pytest.fixture
def foreign_statement(db):
    """A statement of another group's entity, not granted to the clerk."""
    other = LegalEntityFactory(code="CON", name="Contoso")
    main = MainAccount.objects.create(
        legal_entity=other, number="110300", name="Bank", kind=MainAccount.Kind.ASSET
    )
    account = BankAccount.objects.create(
        legal_entity=other,
        code="CON1",
        name="Contoso bank",
        iban="GB82WEST12345698765432",
        currency="USD",
        main_account=main,
    )
    return statement_with(
        {"account": account, "on": date(2026, 3, 10)}, [{"amount": "10.00"}], "CON-1"
    )


def _upload(data: bytes, name: str = "statement.xml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/xml")


def _error_of(html: str, field: str) -> str:
    found = re.search(rf'<span class="error" id="{field}-error">([^<]*)</span>', html)
    return found.group(1) if found else ""


def test_banking_pages_answer_a_clerk(bank, clerk, client):
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("250.00",))
    statement = statement_with(
        bank, [{"amount": "250.00", "remittance_info": invoice.number}, {"amount": "-2.00"}]
    )
    first = line(statement, 1)
    account = bank["account"]
    pages = [
        "/bank/accounts/",
        f"/bank/accounts/{account.pk}/reconciliation/?date=2026-03-10",
        "/bank/statements/",
        f"/bank/statements/?bank_account={account.pk}&status=open",
        "/bank/statements/import/",
        f"/bank/statements/{statement.pk}/",
        f"/bank/lines/{first.pk}/change/",
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    accounts = client.get("/bank/accounts/").content.decode()
    assert '<tr data-account="MAIN">' in accounts
    assert '<td class="num">248.00</td>' in accounts  # the last statement's balance
    change = client.get(f"/bank/lines/{first.pk}/change/").content.decode()
    # A line without an IBAN, a proposal or a customer names no party: the clerk searches.
    assert "Find the party who paid" in change
    found = client.get(f"/bank/lines/{first.pk}/change/?q={invoice.number}").content.decode()
    assert f'<tr data-document="{invoice.number}">' in found
    assert 'value="250.00"' in found  # the amount prefilled: what is open


def test_banking_pages_hide_another_entitys_statement(bank, clerk, client, foreign_statement):
    other_line = line(foreign_statement, 1)
    assert client.get(f"/bank/statements/{foreign_statement.pk}/").status_code == 404
    assert client.get(f"/bank/lines/{other_line.pk}/change/").status_code == 404
    assert client.post(f"/bank/lines/{other_line.pk}/post/").status_code == 404
    assert client.post(f"/bank/statements/{foreign_statement.pk}/post/").status_code == 404
    account = foreign_statement.bank_account
    assert client.get(f"/bank/accounts/{account.pk}/reconciliation/").status_code == 404
    assert "CON1" not in client.get("/bank/accounts/").content.decode()
    assert "CON-1" not in client.get("/bank/statements/").content.decode()


def test_banking_writes_need_the_role(bank, client):
    user = UserFactory(username="viewer")
    EntityGrantFactory(user=user, legal_entity=bank["FAB"])
    client.force_login(user)
    statement = statement_with(bank, [{"amount": "-2.00"}])
    first = line(statement, 1)
    assert client.get(f"/bank/statements/{statement.pk}/").status_code == 200
    data = camt053(iban=FAB_IBAN, entries=[{"amount": "1.00", "ref": "R1"}])
    upload = {"bank_account": bank["account"].pk, "format": "camt053", "file": _upload(data)}
    assert client.post("/bank/statements/import/", upload).status_code == 403
    assert client.post(f"/bank/lines/{first.pk}/post/").status_code == 403
    posting = {"posting_type": "bank_charges"}
    assert client.post(f"/bank/lines/{first.pk}/posting-type/", posting).status_code == 403
    assert client.post(f"/bank/statements/{statement.pk}/post/").status_code == 403
    assert BankStatement.objects.count() == 1
    assert line(statement, 1).status == Status.UNMATCHED


def test_bank_statement_import_redirects_to_the_statement(bank, clerk, client):
    data = camt053(
        iban=FAB_IBAN,
        entries=[{"amount": "600.00", "ref": "R1", "iban": NORTHWIND_IBAN, "text": "INV 1"}],
        statement_id="STMT-7",
    )
    upload = {"bank_account": bank["account"].pk, "format": "camt053", "file": _upload(data)}
    response = client.post("/bank/statements/import/", upload)
    statement = BankStatement.objects.get(statement_id="STMT-7")
    assert response.status_code == 302
    assert response["Location"] == f"/bank/statements/{statement.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Imported 1 statement(s) with 1 line(s)" in page
    assert 'id="matching-progress"' in page  # the queued matching job
    assert '<td class="num money-in">600.00</td>' in page


def test_bank_statement_import_shows_refusals_beside_the_field(bank, clerk, client):
    account = bank["account"]
    other = camt053(iban=NORTHWIND_IBAN, entries=[{"amount": "1.00", "ref": "R1"}])
    upload = {"bank_account": account.pk, "format": "camt053", "file": _upload(other)}
    html = client.post("/bank/statements/import/", upload).content.decode()
    assert _error_of(html, "file") == (
        "statement STMT-1 is for account GB29NWBK60161331926819, not for bank account MAIN "
        "(DE89370400440532013000)."
    )
    assert f'<option value="{account.pk}" selected>' in html  # what was chosen is kept

    broken = {"bank_account": account.pk, "format": "camt053", "file": _upload(b"<Document>")}
    html = client.post("/bank/statements/import/", broken).content.decode()
    assert _error_of(html, "file") == (
        "The file is not well-formed XML: line 1, column 11: no element found."
    )

    csv = {"bank_account": account.pk, "format": "csv", "file": _upload(b"a;b\n1;2\n", "s.csv")}
    html = client.post("/bank/statements/import/", csv).content.decode()
    assert _error_of(html, "csv_mapping") == "A CSV file needs a column mapping."

    good = camt053(iban=FAB_IBAN, entries=[{"amount": "1.00", "ref": "R1"}])
    first = {"bank_account": account.pk, "format": "camt053", "file": _upload(good)}
    assert client.post("/bank/statements/import/", first).status_code == 302
    again = {"bank_account": account.pk, "format": "camt053", "file": _upload(good)}
    html = client.post("/bank/statements/import/", again).content.decode()
    assert _error_of(html, "file").startswith("This file was already imported as statement STMT-1")
    assert BankStatement.objects.count() == 1


def test_line_post_view_answers_the_posted_row(bank, clerk, client):
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("250.00",))
    statement = statement_with(bank, [{"amount": "250.00", "remittance_info": invoice.number}])
    first = line(statement, 1)
    line_transactions_mark(
        line=first,
        transactions=[MarkedInput(invoice.open_transaction.pk)],
        actor=clerk,
    )
    response = client.post(f"/bank/lines/{first.pk}/post/", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger"] == "bank-line-changed"
    assert html.startswith(f'<tbody class="line" id="line-{first.pk}" data-sequence="1" ')
    assert 'data-status="posted"' in html
    assert '<span class="badge status-posted">Posted</span>' in html
    assert f'<li data-document="{invoice.number}">FAB {invoice.number}' in html
    assert "bank-line-post" not in html and "/post/" not in html  # nothing left to do
    assert line(statement, 1).status == Status.POSTED


def test_line_actions_without_javascript_come_back_to_the_statement(bank, clerk, client):
    statement = statement_with(bank, [{"amount": "-4.50"}])
    first = line(statement, 1)
    response = client.post(
        f"/bank/lines/{first.pk}/posting-type/", {"posting_type": "bank_charges"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/bank/statements/{statement.pk}/#line-{first.pk}"
    assert line(statement, 1).posting_type == "bank_charges"
    response = client.post(f"/bank/statements/{statement.pk}/post/", follow=True)
    assert "Posted 1 line(s): 1." in response.content.decode()
    assert line(statement, 1).status == Status.POSTED


def test_line_customer_unknown_is_shown_beside_the_field_with_what_was_typed(bank, clerk, client):
    statement = statement_with(bank, [{"amount": "75.00"}])
    first = line(statement, 1)
    html = client.post(f"/bank/lines/{first.pk}/customer/", {"customer": "9999"}, **HTMX)
    html = html.content.decode()
    assert (
        f'<span class="error" id="customer-{first.pk}-error">FAB has no customer 9999.</span>'
        in html
    )
    assert 'value="9999"' in html
    assert "<details open>" in html
    # Without JavaScript: the statement page, the same refusal beside the same field.
    page = client.post(f"/bank/lines/{first.pk}/customer/", {"customer": "9999"})
    assert f'id="customer-{first.pk}-error">FAB has no customer 9999.' in page.content.decode()
    html = client.post(f"/bank/lines/{first.pk}/customer/", {"customer": "4000"}, **HTMX)
    assert "On account of 4000" in html.content.decode()
    assert line(statement, 1).status == Status.MATCHED


def test_line_accept_takes_the_best_proposal_and_shows_ties_as_ties(bank, clerk, client):
    one = post_invoice(bank["customers"]["FAB"], amounts=("100.00",))
    two = post_invoice(bank["customers"]["FAB"], amounts=("100.00",))
    statement = statement_with(bank, [{"amount": "100.00"}, {"amount": "100.00"}])
    first, second = line(statement, 1), line(statement, 2)

    def proposal(invoice, tie=False):
        return {
            "rule": "reference",
            "confidence": 50 if tie else 90,
            "reason": f"{invoice.number} in the remittance information",
            "customer": bank["customers"]["FAB"].pk,
            "tie": tie,
            "transactions": [
                {
                    "transaction": invoice.open_transaction.pk,
                    "amount": "100.00",
                    "cash_discount": None,
                }
            ],
        }

    BankStatementLine.objects.filter(pk=first.pk).update(
        proposals=[proposal(one)], status=Status.SUGGESTED
    )
    BankStatementLine.objects.filter(pk=second.pk).update(
        proposals=[proposal(one, tie=True), proposal(two, tie=True)], status=Status.SUGGESTED
    )
    page = client.get(f"/bank/statements/{statement.pk}/").content.decode()
    assert '<strong class="tie">Tie</strong>' in page
    assert page.count("Take this one") == 2
    assert page.count('class="accept"') == 1  # a tie is never accepted in one key

    html = client.post(f"/bank/lines/{first.pk}/accept/", **HTMX).content.decode()
    assert '<span class="badge status-matched">Matched</span>' in html
    assert (
        f'<li data-document="{one.number}">FAB {one.number} <span class="num">100.00</span>' in html
    )
    html = client.post(f"/bank/lines/{second.pk}/accept/", {"proposal": "0"}, **HTMX)
    assert f"line 1 of this statement already takes {one.number}." in html.content.decode()
    html = client.post(f"/bank/lines/{second.pk}/accept/", {"proposal": "1"}, **HTMX)
    assert 'data-status="matched"' in html.content.decode()


def test_line_change_marks_and_shows_refusals_beside_the_amount(bank, clerk, client):
    one = post_invoice(bank["customers"]["FAB"], amounts=("100.00",))
    two = post_invoice(bank["customers"]["FABE"], amounts=("50.00",))
    statement = statement_with(bank, [{"amount": "120.00", "counterparty_iban": NORTHWIND_IBAN}])
    first = line(statement, 1)
    ot1, ot2 = one.open_transaction, two.open_transaction
    editor = client.get(f"/bank/lines/{first.pk}/change/", **HTMX).content.decode()
    assert 'class="line-editor"' in editor  # the party found by the counterparty's IBAN
    assert f'<tr data-document="{one.number}">' in editor
    assert f'<tr data-document="{two.number}">' in editor

    too_much = {
        "party": "4050",
        f"mark_{ot1.pk}": "on",
        f"amount_{ot1.pk}": "100.00",
        f"mark_{ot2.pk}": "on",
        f"amount_{ot2.pk}": "50.00",
    }
    html = client.post(f"/bank/lines/{first.pk}/change/", too_much, **HTMX).content.decode()
    assert "50.00 is more than the line has left (20.00)." in html
    assert 'value="50.00"' in html  # what was typed stays
    assert line(statement, 1).status == Status.UNMATCHED

    fits = {**too_much, f"amount_{ot2.pk}": "20.00"}
    html = client.post(f"/bank/lines/{first.pk}/change/", fits, **HTMX).content.decode()
    assert 'class="line-editor"' not in html
    marked = line(statement, 1).marked
    assert [(m["transaction"], m["amount"]) for m in marked] == [
        (ot1.pk, "100.00"),
        (ot2.pk, "20.00"),
    ]
    assert (
        f'<li data-document="{two.number}">FABE {two.number} <span class="num">20.00</span>' in html
    )


def test_bank_account_reconciliation_view_shows_the_reconciled_banner(bank, clerk, client):
    statement = statement_with(bank, [{"amount": "-2.00"}])
    url = f"/bank/accounts/{bank['account'].pk}/reconciliation/?date=2026-03-10"
    html = client.get(url).content.decode()
    assert 'id="not-reconciled-banner"' in html
    assert '<dd id="difference">-2.00</dd>' in html
    first = line(statement, 1)
    client.post(f"/bank/lines/{first.pk}/posting-type/", {"posting_type": "bank_charges"})
    client.post(f"/bank/lines/{first.pk}/post/")
    html = client.get(url).content.decode()
    assert 'id="reconciled-banner"' in html
    assert '<dd id="ledger-balance">-2.00</dd>' in html
    assert '<dd id="difference">0.00</dd>' in html
    assert client.get(url.replace("2026-03-10", "10.03.2026")).status_code == 200
    assert "is not a date" in client.get(url.replace("2026-03-10", "x")).content.decode()


def test_bank_statement_resolve_warnings_needs_a_note(bank, clerk, client):
    statement = statement_with(bank, [{"amount": "1.00"}])
    statement.balance_warnings = ["Opening balance 0.00 plus the lines 1.00 is 1.00, not 2.00."]
    statement.save()
    url = f"/bank/statements/{statement.pk}/resolve-warnings/"
    html = client.post(url, {"note": ""}).content.decode()
    assert '<span class="error" id="note-error">Say why the warnings may stand.</span>' in html
    response = client.post(url, {"note": "The bank confirmed it"})
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.warnings_resolved_note == "The bank confirmed it"
    assert Decimal(statement.closing_balance) == Decimal("1.00")


def test_bank_statement_detail_reads_in_a_fixed_number_of_queries(
    bank, clerk, client, django_assert_max_num_queries
):
    invoices = [post_invoice(bank["customers"]["FAB"], amounts=("10.00",)) for _ in range(6)]
    statement = statement_with(
        bank, [{"amount": "10.00", "counterparty_iban": NORTHWIND_IBAN} for _ in invoices]
    )
    for sequence, invoice in enumerate(invoices, start=1):
        line_transactions_mark(
            line=line(statement, sequence),
            transactions=[MarkedInput(invoice.open_transaction.pk)],
            actor=clerk,
        )
    url = f"/bank/statements/{statement.pk}/"
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert html.count('data-status="matched"') == 6


def test_line_status_ignores_and_takes_back(bank, clerk, client):
    statement = statement_with(bank, [{"amount": "-1.00"}])
    first = line(statement, 1)
    url = f"/bank/lines/{first.pk}/status/"
    html = client.post(url, {"status": "ignored"}, **HTMX).content.decode()
    assert 'data-status="ignored"' in html
    assert '<input type="hidden" name="status" value="unmatched"><button' in html
    html = client.post(url, {"status": "unmatched"}, **HTMX).content.decode()
    assert 'data-status="unmatched"' in html
    html = client.post(url, {"status": "posted"}, **HTMX).content.decode()
    assert "A line&#x27;s status is set to ignored or unmatched only." in html
    row = client.get(f"/bank/lines/{first.pk}/", **HTMX).content.decode()
    assert row.startswith(f'<tbody class="line" id="line-{first.pk}"')
    response = client.get(f"/bank/lines/{first.pk}/")
    assert response["Location"] == f"/bank/statements/{statement.pk}/#line-{first.pk}"
