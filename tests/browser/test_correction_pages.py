from decimal import Decimal

import pytest
from playwright.sync_api import expect

from receivables.models import CreditNote, Invoice
from tests.browser.conftest import sign_in
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_corrects_an_invoice_and_follows_the_links(page, fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["600.00", "150.00"])
    make_clerk("clerk", fabrikam["FAB"])
    sign_in(page, "clerk")
    page.goto(f"/invoices/{invoice.pk}/")
    page.get_by_role("link", name="Correct", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Correct invoice {invoice.number}")
    page.get_by_label("Correction date").fill("2026-03-01")
    page.get_by_label("Post the credit note and make the new draft").check()
    page.get_by_role("button", name="Correct invoice").click()
    expect(page.locator(".errorlist")).to_contain_text(
        "The correction date 2026-03-01 is before the invoice date 2026-03-02."
    )
    expect(page.get_by_label("Correction date")).to_have_value("2026-03-01")
    page.get_by_label("Correction date").fill("2026-03-10")
    page.get_by_label("Correction date").press("Enter")  # the keyboard submits the form

    expect(page.locator(".messages")).to_contain_text(f"Invoice {invoice.number} corrected")
    expect(page.locator("#status")).to_have_text("Draft")
    expect(page.locator("#document-total")).to_have_text("750.00")
    credit_note = CreditNote.objects.get()
    expect(page.locator("#replaces")).to_contain_text(credit_note.number)
    page.locator("#replaces").get_by_role("link", name=credit_note.number).click()
    expect(page.locator("#status")).to_have_text("Posted")
    expect(page.locator("#open-amount")).to_contain_text("Open: 0.00 USD")
    page.locator("#correction").get_by_role("link", name=invoice.number).click()
    expect(page.locator("#corrected-by")).to_contain_text("on 2026-03-10 by credit note")
    expect(page.locator("#open-amount")).to_contain_text("Open: 0.00 USD")
    expect(page.get_by_role("link", name="Correct", exact=True)).to_have_count(0)
    copy = Invoice.objects.get(status="draft")
    page.locator("#corrected-by").get_by_role("link", name=f"draft {copy.pk}").click()
    page.get_by_role("link", name="Change draft").click()
    page.locator("input[name='lines-1-amount']").fill("120.00")
    page.get_by_role("button", name="Post invoice").click()
    expect(page.locator("#status")).to_have_text("Posted")
    expect(page.locator("#document-total")).to_have_text("720.00")
    copy.refresh_from_db()
    assert (copy.status, copy.total) == ("posted", Decimal("720.00"))
