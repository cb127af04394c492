"""Saved filters on the invoice list, with the keyboard: save the current filter as the
default, open the list again with it applied, save another and switch between them."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import make_clerk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _save_current_filter(page, name: str, *, default: bool) -> None:
    menu = page.locator("#saved-filters")
    if menu.locator("details").get_attribute("open") is None:
        menu.locator("summary").press("Enter")
    page.get_by_label("Save the current filter as").fill(name)
    if default:
        page.get_by_label("Open the list with it").press("Space")
    page.get_by_label("Save the current filter as").press("Enter")
    expect(page.locator("#current-saved-filter")).to_have_text(name)


def test_clerk_saves_a_filter_opens_the_list_with_it_and_switches(page, fabrikam):
    from receivables.services import DocumentInput, DocumentLineInput, invoice_create
    from tests.factories.receivables import post_invoice

    customer = fabrikam["customers"]["FAB"]
    posted = post_invoice(customer, amounts=["100.00"])
    invoice_create(
        data=DocumentInput(
            legal_entity=fabrikam["FAB"],
            customer=customer,
            date=date(2026, 3, 5),
            lines=[DocumentLineInput(description="Later", amount=Decimal("7.00"))],
        ),
        actor=None,
    )
    make_clerk("clerk", fabrikam["FAB"])
    sign_in(page, "clerk")
    page.get_by_role("link", name="Invoices").click()
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(2)

    page.get_by_label("Status").select_option("posted")
    page.get_by_role("button", name="Filter").press("Enter")
    expect(rows).to_have_count(1)
    _save_current_filter(page, "Posted", default=True)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(posted.number)

    # Opened again without filters, the list shows the default filter.
    page.get_by_role("link", name="Home").click()
    page.get_by_role("link", name="Invoices").click()
    expect(page).to_have_url(f"{page.url.split('/invoices/')[0]}/invoices/")
    expect(page.get_by_label("Status")).to_have_value("posted")
    expect(rows).to_have_count(1)
    expect(page.locator("#current-saved-filter")).to_have_text("Posted")
    expect(page.locator("#saved-filters li[data-saved-filter] .badge")).to_have_text("Default")

    page.get_by_label("Status").select_option("draft")
    page.get_by_role("button", name="Filter").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("(draft)")
    _save_current_filter(page, "Drafts", default=False)

    # Switch from one saved filter to the other with the menu.
    page.locator("#saved-filters summary").press("Enter")
    page.get_by_role("link", name="Posted", exact=True).press("Enter")
    expect(page.locator("#current-saved-filter")).to_have_text("Posted")
    expect(rows.first).to_contain_text(posted.number)
    page.locator("#saved-filters summary").press("Enter")
    page.get_by_role("link", name="Drafts", exact=True).press("Enter")
    expect(page.locator("#current-saved-filter")).to_have_text("Drafts")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("(draft)")
    expect(page.get_by_label("Status")).to_have_value("draft")
