"""A clerk imports a camt.053 statement, reviews its lines (changes one line's marked
transactions in place, accepts another's proposal with one key, posts a third on account), posts
all matched lines and sees the bank account reconciled."""

from datetime import date

import pytest
from playwright.sync_api import expect

from banking.models import BankStatement
from tests.banking.camt import camt053
from tests.banking.conftest import FAB_IBAN, NORTHWIND_IBAN
from tests.banking.conftest import bank as bank  # noqa: F401 (the fixture)
from tests.browser.conftest import sign_in
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _matching_run(statement: BankStatement) -> None:
    """Run the matching job the import queued, here rather than in a worker."""
    from core.jobs import job_run
    from core.models import Job

    job = Job.objects.get(kind="bank_statement_match", parameters={"statements": [statement.pk]})
    job_run(job_id=job.pk)


def test_clerk_imports_reviews_posts_and_reconciles(page, bank, tmp_path):
    first = post_invoice(bank["customers"]["FAB"], amounts=("250.00",))
    second = post_invoice(bank["customers"]["FABE"], amounts=("400.00",))
    path = tmp_path / "statement.xml"
    path.write_bytes(
        camt053(
            iban=FAB_IBAN,
            statement_id="STMT-0310",
            entries=[
                {"amount": "250.00", "ref": "R1", "iban": NORTHWIND_IBAN, "text": first.number},
                {"amount": "390.00", "ref": "R2", "name": "Northwind", "text": second.number},
                {"amount": "75.00", "ref": "R3", "name": "Someone unknown", "text": "thanks"},
            ],
        )
    )
    make_clerk("clerk", bank["FAB"], bank["FABE"])
    sign_in(page, "clerk")

    page.get_by_role("link", name="Bank", exact=True).click()
    page.get_by_role("link", name="Import a statement").click()
    page.get_by_label("Bank account").select_option(str(bank["account"].pk))
    page.get_by_label("Format").select_option("camt053")
    page.get_by_label("Statement file").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Statement STMT-0310")
    expect(page.locator(".messages")).to_contain_text("Imported 1 statement(s) with 3 line(s)")

    statement = BankStatement.objects.get(statement_id="STMT-0310")
    lines = {line.sequence: line for line in statement.lines.all()}
    _matching_run(statement)
    page.reload()
    # Line 1 names its invoice and pays it exactly: matched; line 2 names one but pays less: a
    # partial settlement suggested; line 3 names nothing anyone owes.
    expect(page.locator(f"#line-{lines[1].pk}")).to_have_attribute("data-status", "matched")
    expect(page.locator(f"#line-{lines[2].pk}")).to_have_attribute("data-status", "suggested")
    expect(page.locator(f"#line-{lines[3].pk}")).to_have_attribute("data-status", "unmatched")

    # Line 1: the Settle transactions rows of the party its IBAN names, opened in place.
    row = page.locator(f"#line-{lines[1].pk}")
    row.get_by_role("link", name="Change").click()
    expect(row.locator(".line-editor")).to_contain_text("Northwind Traders")
    expect(row.get_by_label(f"Amount to settle of {first.number}")).to_have_value("250.00")
    row.get_by_label(f"Amount to settle of {first.number}").fill("300.00")
    row.get_by_label(f"Mark {first.number}").check()
    row.get_by_role("button", name="Save marked transactions").click()
    expect(row.locator(f"tr[data-document='{first.number}'] .error")).to_have_text(
        "300.00 is more than the line has left (250.00)."
    )
    expect(row.get_by_label(f"Amount to settle of {first.number}")).to_have_value("300.00")
    row.get_by_label(f"Amount to settle of {first.number}").fill("250.00")
    row.get_by_role("button", name="Save marked transactions").click()
    expect(row.locator(".line-editor")).to_have_count(0)
    expect(row).to_have_attribute("data-status", "matched")
    expect(row.locator(".marked")).to_contain_text(f"FAB {first.number} 250.00")

    # Line 2: its proposal accepted with one key on the focused row.
    row = page.locator(f"#line-{lines[2].pk}")
    expect(row.locator(".proposal")).to_contain_text("reference · 60 %")
    row.focus()
    page.keyboard.press("a")
    expect(row).to_have_attribute("data-status", "matched")
    expect(row.locator(".marked")).to_contain_text(f"FABE {second.number} 390.00")

    # Line 3: nobody's invoice; posted on account of customer 4000.
    row = page.locator(f"#line-{lines[3].pk}")
    row.get_by_text("On account").click()
    row.get_by_label("Customer account").fill("4999")
    row.get_by_role("button", name="Set customer").click()
    expect(row.locator(".error")).to_have_text("FAB has no customer 4999.")
    row.get_by_label("Customer account").fill("4000")
    row.get_by_role("button", name="Set customer").click()
    expect(row).to_have_attribute("data-status", "matched")
    expect(page.locator("[data-count='matched']")).to_have_text("3")

    page.get_by_role("button", name="Post all matched").click()
    expect(page.locator(".messages")).to_contain_text("Posted 3 line(s): 1, 2, 3.")
    expect(page.locator("tbody.line[data-status='posted']")).to_have_count(3)
    expect(page.locator("#statement-status")).to_have_text("Reconciled")

    page.get_by_role("link", name="Bank", exact=True).click()
    expect(page.locator("tr[data-account='MAIN'] .reconciled")).to_have_text("Yes")
    page.get_by_role("link", name="MAIN · Main USD").click()
    page.get_by_label("On").fill(date(2026, 3, 10).isoformat())
    page.get_by_label("On").press("Enter")
    expect(page.locator("#reconciled-banner")).to_be_visible()
    expect(page.locator("#ledger-balance")).to_have_text("715.00")
    expect(page.locator("#difference")).to_have_text("0.00")
