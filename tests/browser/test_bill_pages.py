from decimal import Decimal

import pytest
from playwright.sync_api import expect

from banking.models import BillOfExchange
from tests.banking.conftest import bank  # noqa: F401  (the fixture, for this folder)
from tests.browser.conftest import sign_in
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_draws_remits_and_settles_a_bill(page, bank):  # noqa: F811
    customer = bank["customers"]["FAB"]
    first = post_invoice(customer, amounts=["100.00"])
    second = post_invoice(customer, amounts=["50.00"])
    make_clerk("clerk", bank["FAB"])
    sign_in(page, "clerk")
    page.get_by_role("link", name="Bills of exchange").click()
    page.get_by_role("link", name="Draw a bill").click()
    page.get_by_label("Customer").select_option(label="4000 · " + customer.display_name)
    page.get_by_role("button", name="Show open debits").click()
    page.get_by_label(f"Mark {first.number}").check()
    page.get_by_label(f"Mark {second.number}").check()
    page.get_by_label("Date drawn").fill("2026-03-10")
    page.get_by_label("Due date").fill("2026-04-30")
    page.get_by_role("button", name="Draw bill").click()
    expect(page.locator(".messages")).to_contain_text("drawn")
    expect(page.locator("#bill-status")).to_have_text("Drawn")
    expect(page.locator("#bill-amount")).to_have_text("150.00 USD")

    page.get_by_label("Acceptance date").fill("2026-03-11")
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(page.locator("#bill-status")).to_have_text("Accepted")

    page.get_by_label("Remittance date").fill("2026-03-12")
    page.get_by_label("Bank account").select_option(label="MAIN · Main USD")
    page.get_by_label("For collection").check()
    page.get_by_label("Remittance charges").fill("-1.00")
    page.get_by_role("button", name="Remit", exact=True).click()
    expect(page.locator("#step-remit")).to_contain_text("The charges cannot be negative.")
    expect(page.get_by_label("Remittance charges")).to_have_value("-1.00")
    page.get_by_label("Remittance charges").fill("2.50")
    page.get_by_role("button", name="Remit", exact=True).click()
    expect(page.locator("#bill-status")).to_have_text("Remitted for collection")

    page.get_by_label("Settlement date").fill("2026-04-30")
    page.get_by_role("button", name="Settle", exact=True).click()
    expect(page.locator("#bill-status")).to_have_text("Settled")
    settle = page.locator("#bill-history tr[data-step='settle']")
    expect(settle.locator("li[data-posting-type='bank']")).to_contain_text("150.00")
    expect(settle.locator("li[data-posting-type='bill_remitted_collection']")).to_contain_text(
        "-150.00"
    )
    bill = BillOfExchange.objects.get()
    assert (bill.status, bill.amount) == ("settled", Decimal("150.00"))
    first.open_transaction.refresh_from_db()
    assert first.open_transaction.open_amount == 0
