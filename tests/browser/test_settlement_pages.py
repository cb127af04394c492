from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import make_clerk
from tests.factories.entities import (
    CashDiscountFactory,
    ExchangeRateFactory,
    PaymentTermsFactory,
    SalesTaxCodeFactory,
)
from tests.factories.receivables import post_invoice, post_payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_settles_the_a4_payment_and_sees_the_vouchers(page, fabrikam):
    ExchangeRateFactory(rate=Decimal("1.2062"), valid_from=date(2026, 3, 2))
    ExchangeRateFactory(rate=Decimal("1.2277"), valid_from=date(2026, 3, 9))
    invoice = post_invoice(
        fabrikam["customers"]["FABE"],
        amounts=["600.00"],
        currency="EUR",
        tax_code=SalesTaxCodeFactory(code="VAT6", percent=Decimal("6.37")),
        terms=PaymentTermsFactory(),
        cash_discount=CashDiscountFactory(),
    )
    payment = post_payment(fabrikam["customers"]["FAB"], amount="626.22", currency="EUR")
    make_clerk("clerk", fabrikam["FAB"], fabrikam["FABE"])
    sign_in(page, "clerk")
    page.get_by_role("link", name="Payments", exact=True).click()
    page.locator("#payments tr", has_text=payment.number).get_by_role("link", name="Settle").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Northwind Traders")
    row = page.locator(f"#open-items tr[data-document='{invoice.number}']")
    expect(row.locator(".discount-available")).to_have_text("12.00")  # on the payment's date
    page.get_by_label("Settlement date").fill("2026-03-20")
    expect(row.locator(".discount-available")).to_have_text("0.00")  # past the discount date
    page.get_by_label("Settlement date").fill("2026-03-09")
    expect(row.locator(".discount-available")).to_have_text("12.00")
    expect(page.get_by_label(f"Mark {payment.number}")).to_be_checked()
    page.get_by_label(f"Mark {invoice.number}").check()
    expect(page.locator("#total-discount")).to_have_text("12.00")
    fab = page.locator(".postings[data-entity='FAB']")
    expect(fab.locator("tr[data-posting-type='fx_realized_gain']")).to_contain_text("-13.46")
    fabe = page.locator(".postings[data-entity='FABE']")
    expect(fabe.locator("tr[data-posting-type='cash_discount']")).to_contain_text("14.47")
    page.get_by_role("button", name="Post settlement").click()
    expect(page.locator(".messages")).to_contain_text("posted")
    expect(page.locator("table.voucher[data-entity='FAB']")).to_contain_text("755.35")
    expect(page.locator("table.voucher[data-entity='FAB']")).to_contain_text("-13.46")
    expect(page.locator("table.voucher[data-entity='FABE']")).to_contain_text("-769.82")
    invoice.open_transaction.refresh_from_db()
    assert invoice.open_transaction.open_amount == 0


def test_settlement_errors_shown_and_reversal_from_its_page(page, fabrikam):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["100.00"])
    payment = post_payment(customer, amount="100.00")
    make_clerk("clerk", fabrikam["FAB"])
    sign_in(page, "clerk")
    page.goto(f"/settle/?payment={payment.open_transaction.pk}")
    page.get_by_label("Settlement date").fill("2026-03-09")
    page.get_by_label(f"Amount to settle of {invoice.number}").fill("150.00")
    page.get_by_label(f"Mark {invoice.number}").check()
    expect(page.locator("#preview-problem")).to_contain_text("more than its open amount")
    page.get_by_role("button", name="Post settlement").click()
    expect(page.locator("#settle-errors")).to_contain_text("more than its open amount")
    expect(page.get_by_label(f"Amount to settle of {invoice.number}")).to_have_value("150.00")
    page.get_by_label(f"Amount to settle of {invoice.number}").fill("")
    page.get_by_role("button", name="Post settlement").click()
    expect(page.locator("#settlement-status")).to_contain_text("Posted")
    page.get_by_role("button", name="Reverse settlement").click()
    expect(page.locator("#settlement-status")).to_contain_text("Reversed")
    invoice.open_transaction.refresh_from_db()
    assert invoice.open_transaction.open_amount == Decimal("100.00")
