from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from core.roles import INTEGRATOR, roles_sync
from ledger.models import FiscalPeriod
from receivables.services import DocumentInput, DocumentLineInput, invoice_create
from tests.browser.conftest import sign_in
from tests.factories.entities import EntityGrantFactory, UserFactory
from tests.factories.receivables import post_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_close_ar_refuses_while_a_draft_stands_in_the_way_then_closes(page, fabrikam):
    customer = fabrikam["customers"]["FAB"]
    post_invoice(customer, amounts=["100.00"], on=date(2026, 3, 2))
    draft = invoice_create(
        data=DocumentInput(
            legal_entity=fabrikam["FAB"],
            customer=customer,
            date=date(2026, 3, 30),
            lines=[DocumentLineInput(description="Late service", amount=Decimal("40.00"))],
        ),
        actor=None,
    )
    roles_sync()
    controller = UserFactory(username="controller")
    controller.groups.add(Group.objects.get(name=INTEGRATOR))
    EntityGrantFactory(user=controller, legal_entity=fabrikam["FAB"])
    sign_in(page, "controller")

    page.get_by_role("link", name="Close AR").click()
    page.locator("#ar-entity").select_option("FAB")
    page.get_by_label("Fiscal period").select_option("2026-03-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("FAB · 2026-03")
    expect(page.locator("#customer-balance")).to_contain_text("100.00 USD · open items 100.00 USD")
    row = page.locator("#blockers tr[data-kind='draft_invoice']")
    expect(row).to_contain_text(f"Invoice draft {draft.pk} of 2026-03-30")
    expect(page.get_by_role("button", name="Close period 2026-03")).to_have_count(0)
    expect(page.locator("#ar-close-form")).to_contain_text("Clear what stands in the way first")

    close_page = page.url
    row.get_by_role("link", name="Open").click()
    page.get_by_role("button", name="Post invoice").click()
    expect(page.locator("#status")).to_have_text("Posted")
    page.goto(close_page)  # the blockers as they are now
    expect(page.locator("#no-blockers")).to_have_text(
        "Nothing stands in the way of closing 2026-03."
    )
    expect(page.locator("#customer-balance")).to_contain_text("140.00 USD · open items 140.00")
    page.get_by_role("button", name="Close period 2026-03").click()
    expect(page.locator(".messages")).to_contain_text(
        "Accounts receivable of FAB closed for 2026-03"
    )
    expect(page.locator("#period-status")).to_have_text("Closed")
    assert (
        FiscalPeriod.objects.get(legal_entity=fabrikam["FAB"], start=date(2026, 3, 1)).status
        == "closed"
    )

    # Nothing posts into the closed period: the entry form says why and keeps what was typed.
    page.goto("/invoices/new/")
    page.locator("#id_customer").select_option(str(customer.pk))
    page.get_by_label("Date", exact=True).fill("2026-03-31")
    page.locator("input[name='lines-0-description']").fill("After the close")
    page.locator("input[name='lines-0-amount']").fill("10.00")
    page.get_by_role("button", name="Post invoice").click()
    expect(page.locator("#document-form")).to_contain_text(
        "The fiscal period of FAB containing 2026-03-31 is closed: nothing can be posted into it."
    )
    expect(page.locator("input[name='lines-0-amount']")).to_have_value("10.00")
