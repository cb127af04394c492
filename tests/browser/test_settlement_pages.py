import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ledger.models import FiscalPeriod
from settlement.models import Settlement
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
    page.get_by_role("link", name="Reverse settlement…").click()
    page.get_by_role("button", name="Reverse settlement").click()
    expect(page.locator("#settlement-status")).to_contain_text("Reversed")
    invoice.open_transaction.refresh_from_db()
    assert invoice.open_transaction.open_amount == Decimal("100.00")


def _a4_invoice(fabrikam):
    """Invoice FABE 600.00 + sales tax 38.22 = 638.22 on 2026-03-02 with 2 % cash discount of
    the amount before tax within 10 days (12.00)."""
    return post_invoice(
        fabrikam["customers"]["FABE"],
        amounts=["600.00"],
        tax_code=SalesTaxCodeFactory(code="VAT6", percent=Decimal("6.37")),
        terms=PaymentTermsFactory(),
        cash_discount=CashDiscountFactory(),
    )


def test_marking_with_the_keyboard_fills_amount_and_discount(page, fabrikam):
    invoice = _a4_invoice(fabrikam)
    payment = post_payment(fabrikam["customers"]["FAB"], amount="626.22")
    make_clerk("clerk", fabrikam["FAB"], fabrikam["FABE"])
    sign_in(page, "clerk")
    page.goto(f"/settle/?payment={payment.open_transaction.pk}")
    expect(page.get_by_label(f"Amount to settle of {payment.number}")).to_have_value("626.22")
    mark = page.get_by_label(f"Mark {invoice.number}")
    amount = page.get_by_label(f"Amount to settle of {invoice.number}")
    discount = page.get_by_label(f"Cash discount to take on {invoice.number}")
    mark.focus()
    page.keyboard.press("Space")
    expect(mark).to_be_checked()
    expect(amount).to_have_value("626.22")
    expect(discount).to_have_value("12.00")
    expect(page.locator("#total-discount")).to_have_text("12.00")
    expect(page.locator("#total-difference")).to_have_text("0.00")
    expect(page.locator("#stays-open")).to_have_text("debits 0.00 · credits 0.00")
    # Tab goes from the mark to the amount, then to the discount.
    page.keyboard.press("Tab")
    expect(amount).to_be_focused()
    page.keyboard.press("Tab")
    expect(discount).to_be_focused()
    # Past the discount date: nothing available, the payment covers 626.22 of 638.22.
    page.get_by_label("Settlement date").fill("2026-03-20")
    expect(discount).to_have_value("0.00")
    expect(amount).to_have_value("626.22")
    expect(page.locator("#total-discount")).to_have_text("0.00")
    expect(page.locator("#stays-open")).to_have_text("debits 12.00 · credits 0.00")
    page.get_by_label("Settlement date").fill("2026-03-09")
    expect(discount).to_have_value("12.00")
    expect(page.locator("#total-discount")).to_have_text("12.00")
    # Unmarking empties the row.
    mark.focus()
    page.keyboard.press("Space")
    expect(amount).to_have_value("")
    expect(discount).to_have_value("")
    page.keyboard.press("Space")
    expect(amount).to_have_value("626.22")
    fabe = page.locator(".postings[data-entity='FABE']")
    expect(fabe.locator("tr[data-posting-type='cash_discount'] td.account")).to_have_text(
        "520000 Cash discount"
    )
    page.get_by_role("button", name="Post settlement").click()
    expect(page.locator("#settlement-status")).to_contain_text("Posted")
    invoice.open_transaction.refresh_from_db()
    assert invoice.open_transaction.open_amount == 0


def test_reversal_asks_a_date_and_shows_the_reversal_vouchers(page, fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"])
    payment = post_payment(fabrikam["customers"]["FAB"], amount="600.00")
    FiscalPeriod.objects.filter(legal_entity=fabrikam["FABE"], start=date(2026, 4, 1)).update(
        status="closed"
    )
    make_clerk("clerk", fabrikam["FAB"], fabrikam["FABE"])
    sign_in(page, "clerk")
    page.goto(f"/settle/?payment={payment.open_transaction.pk}")
    page.get_by_label(f"Mark {invoice.number}").check()
    expect(page.get_by_label(f"Amount to settle of {invoice.number}")).to_have_value("600.00")
    page.get_by_role("button", name="Post settlement").click()
    expect(page.locator("#settlement-status")).to_contain_text("Posted")
    settlement = Settlement.objects.get()
    page.get_by_role("link", name="Reverse settlement…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Reverse settlement {settlement.pk}")
    row = page.locator(f"#reverse-lines tr[data-document='{invoice.number}']")
    expect(row.locator(".open-after")).to_have_text("600.00")
    date_field = page.get_by_label("Reversal date")
    expect(date_field).to_have_value(timezone.localdate().isoformat())
    date_field.fill("2026-03-08")
    page.get_by_role("button", name="Reverse settlement").click()
    expect(page.locator("#reverse-form")).to_contain_text(
        "The reversal date 2026-03-08 is before the settlement's date 2026-03-09."
    )
    page.get_by_label("Reversal date").fill("2026-04-10")
    page.get_by_role("button", name="Reverse settlement").click()
    expect(page.locator("#reverse-form")).to_contain_text(
        "The fiscal period of FABE containing 2026-04-10 is closed"
    )
    page.get_by_label("Reversal date").fill("2026-03-31")
    page.get_by_role("button", name="Reverse settlement").click()
    expect(page.locator(".messages")).to_contain_text("reversed on 2026-03-31")
    expect(page.locator("#settlement-status")).to_contain_text("Reversed on 2026-03-31")
    reversals = page.locator("#reversal-vouchers table.voucher")
    expect(reversals).to_have_count(2)
    reversal = settlement.reversal_vouchers.get(legal_entity=fabrikam["FABE"])
    table = page.locator(f"#reversal-vouchers table[data-voucher='{reversal.number}']")
    expect(table).to_contain_text("2026-03-31")
    expect(table.locator("tr[data-posting-type='customer_balance']")).to_contain_text("600.00")
    link = table.get_by_role("link", name=f"Voucher {reversal.number}")
    link.click()
    expect(page).to_have_url(re.compile(rf"/ledger/vouchers/{reversal.pk}/$"))
    invoice.open_transaction.refresh_from_db()
    assert invoice.open_transaction.open_amount == Decimal("600.00")
