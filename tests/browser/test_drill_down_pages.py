"""Drill-down with the keyboard and the mouse, as a clerk checks a figure: a trial balance line
opens the ledger entries behind it, an entry its voucher, the voucher the document that posted
it, and the document the settlement that touched it."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from settlement.services import SettlementLineInput, settlement_create
from tests.browser.conftest import sign_in
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice, post_payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_trial_balance_line_to_entries_to_voucher_to_document(page, fabrikam):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["600.00"], on=date(2026, 3, 2))
    payment = post_payment(customer, amount="250.00", on=date(2026, 3, 9))
    settlement = settlement_create(
        lines=[
            SettlementLineInput(invoice.open_transaction.pk),
            SettlementLineInput(payment.open_transaction.pk),
        ],
        on=date(2026, 3, 9),
        primary=None,
        actor=None,
    )
    make_clerk("clerk", fabrikam["FAB"])
    sign_in(page, "clerk")

    page.goto("/ledger/FAB/trial-balance/?date_from=2026-03-01&date_to=2026-03-31")
    receivable = page.locator("#trial-balance tr[data-account='130100']")
    # Invoice 600.00 Dr, payment 250.00 Cr, and the settlement's 250.00 both ways.
    expect(receivable.locator("td").nth(2)).to_have_text("850.00")
    expect(receivable.locator("td").nth(3)).to_have_text("500.00")
    receivable.get_by_role("link", name="130100").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ledger entries · FAB · 130100 Accounts receivable"
    )
    expect(page.get_by_label("From")).to_have_value("2026-03-01")
    expect(page.locator("#total-debit")).to_have_text("850.00")
    expect(page.locator("#total-credit")).to_have_text("500.00")
    expect(page.locator("#total-balance")).to_have_text("350.00")
    expect(page.locator("#ledger-entries tbody tr")).to_have_count(4)
    page.get_by_role("link", name=invoice.voucher.number).focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Voucher {invoice.voucher.number}")
    expect(page.locator("#voucher-source")).to_have_text(f"Invoice {invoice.number}")
    page.locator("#voucher-source").get_by_role("link", name=invoice.number).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Invoice {invoice.number}")
    expect(page.locator("#open-transaction-open")).to_have_text("350.00 USD")
    page.locator("#settlements").get_by_role("link", name=str(settlement.pk)).click()
    expect(page).to_have_url(re.compile(rf"/settlements/{settlement.pk}/$"))


def test_ledger_entries_page_says_what_is_wrong_beside_the_field(page, fabrikam):
    make_clerk("clerk", fabrikam["FAB"])
    sign_in(page, "clerk")
    page.goto("/ledger/FAB/entries/")
    page.get_by_label("From").fill("2026-03-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#entries-account-error")).to_have_text("Choose an account.")
    expect(page.get_by_label("Account")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Account").select_option("110100")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ledger entries · FAB · 110100 Bank")
    expect(page.locator("#ledger-entries tbody")).to_contain_text("No entries on this account")
    response = page.goto("/ledger/FABE/entries/?account=110100")
    assert response.status == 404
