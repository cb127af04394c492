import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import make_clerk
from tests.factories.entities import PaymentTermsFactory, SalesTaxCodeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _select_customer(row_or_page, locator: str, account: str):
    select = row_or_page.locator(locator)
    value = select.locator("option", has_text=f"{account} ·").first.get_attribute("value")
    select.select_option(value)


def test_clerk_enters_two_line_invoice_with_tax_posts_it_and_sees_it_open(page, fabrikam):
    from decimal import Decimal

    SalesTaxCodeFactory(code="VAT6", percent=Decimal("6.37"))
    terms = PaymentTermsFactory()
    customer = fabrikam["customers"]["FABE"]
    customer.payment_terms = terms
    customer.save()
    make_clerk("clerk", fabrikam["FABE"])
    sign_in(page, "clerk")
    page.get_by_role("link", name="Invoices").click()
    page.get_by_role("link", name="New invoice").click()
    _select_customer(page, "#id_customer", "4000")
    page.get_by_label("Date", exact=True).fill("2026-03-02")
    rows = page.locator("#lines tbody tr")
    rows.nth(0).locator("input[name$='-description']").fill("Consulting")
    rows.nth(0).locator("input[name$='-amount']").fill("600.00")
    rows.nth(0).locator("select[name$='-sales_tax_code']").select_option(label="VAT6 (6.3700 %)")
    rows.nth(1).locator("input[name$='-description']").fill("Travel")
    rows.nth(1).locator("input[name$='-quantity']").fill("2")
    rows.nth(1).locator("input[name$='-unit_price']").fill("25.50")
    # Live totals, computed as posting would, before anything is saved.
    expect(page.locator("#total-tax")).to_have_text("38.22 USD")
    expect(page.locator("#total-total")).to_have_text("689.22 USD")
    expect(page.locator("#total-due")).to_have_text("2026-04-01")
    page.get_by_role("button", name="Post invoice").click()
    expect(page.locator("#status")).to_have_text("Posted")
    expect(page.locator("#document-total")).to_have_text("689.22")
    page.get_by_role("link", name="4000 · Northwind Traders").click()
    row = page.locator("#open-items tr[data-document='FABE-INV00000001']")
    expect(row).to_contain_text("689.22")
    expect(page.locator("#balances tr[data-entity='FABE']")).to_contain_text("689.22 USD")


def test_invoice_form_keeps_what_was_typed_and_shows_errors_beside_fields(page, fabrikam):
    make_clerk("clerk", fabrikam["FAB"])
    sign_in(page, "clerk")
    page.goto("/invoices/new/")
    _select_customer(page, "#id_customer", "4000")
    page.get_by_label("Date", exact=True).fill("2026-03-02")
    page.get_by_label("Currency").fill("GBP")
    first = page.locator("#lines tbody tr").nth(0)
    first.locator("input[name$='-description']").fill("Widgets")
    first.locator("input[name$='-amount']").fill("10.005")
    page.get_by_role("button", name="Post invoice").click()
    expect(page.locator("#lines tbody tr").nth(0)).to_contain_text("more decimals than GBP")
    first = page.locator("#lines tbody tr").nth(0)
    expect(first.locator("input[name$='-description']")).to_have_value("Widgets")
    first.locator("input[name$='-amount']").fill("10.00")
    page.get_by_role("button", name="Post invoice").click()
    expect(page.locator("form#document-form")).to_contain_text(
        "No exchange rate GBP→USD on 2026-03-02"
    )
    expect(page.get_by_label("Currency")).to_have_value("GBP")


def test_customer_search_and_credit_note_entry(page, fabrikam):
    from tests.factories.receivables import post_invoice

    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["300.00"])
    make_clerk("clerk", fabrikam["FAB"])
    sign_in(page, "clerk")
    page.get_by_role("link", name="Customers").click()
    page.get_by_label("Search").fill("Northwind")
    page.get_by_label("Search").press("Enter")
    rows = page.locator("#customers tbody tr")
    expect(rows).to_have_count(1)  # only the account in the granted entity
    expect(rows.first).to_contain_text("300.00")
    page.get_by_role("link", name="Credit notes").click()
    page.get_by_role("link", name="New credit note").click()
    _select_customer(page, "#id_customer", "4000")
    page.get_by_label("Date", exact=True).fill("2026-03-05")
    page.get_by_label("Invoice", exact=True).select_option(label=f"FAB {invoice.number}")
    line = page.locator("#lines tbody tr").nth(0)
    line.locator("input[name$='-description']").fill("Returned goods")
    line.locator("input[name$='-amount']").fill("40.00")
    expect(page.locator("#total-total")).to_have_text("40.00 USD")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator("#status")).to_have_text("Draft")
    page.get_by_role("link", name="Change draft").click()
    line = page.locator("#lines tbody tr").nth(0)
    expect(line.locator("input[name$='-description']")).to_have_value("Returned goods")
    line.locator("input[name$='-amount']").fill("45.00")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator("#document-total")).to_have_text("45.00")
    page.get_by_role("button", name="Post credit note").click()
    expect(page.locator("#status")).to_have_text("Posted")
    expect(page.locator("#open-amount")).to_contain_text("-45.00")
    page.get_by_role("link", name="Payments", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payments · FAB")
