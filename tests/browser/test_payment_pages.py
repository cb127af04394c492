"""A payment's page, reached from the customer page: what was received, its voucher (whose page
links back to it) and the settlements that touched it."""

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import make_clerk
from tests.factories.receivables import post_payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_page_to_payment_to_voucher_and_back(page, fabrikam):
    customer = fabrikam["customers"]["FAB"]
    payment = post_payment(customer, amount="250.00", on=date(2026, 3, 9))
    make_clerk("clerk", fabrikam["FAB"])
    sign_in(page, "clerk")
    page.goto(f"/customers/{customer.pk}/")
    page.locator("#open-items").get_by_role("link", name=payment.number).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Payment {payment.number} · FAB")
    expect(page.locator("#payment-amount")).to_have_text("250.00 USD")
    expect(page.locator("#open-transaction-open")).to_have_text("-250.00 USD")
    expect(page.locator("#settlements")).to_have_text("Nothing has settled it.")
    page.locator("#payment-voucher").get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Voucher {payment.voucher.number}")
    page.locator("#voucher-source").get_by_role("link", name=payment.number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Payment {payment.number} · FAB")
