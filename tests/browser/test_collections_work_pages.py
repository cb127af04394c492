"""The collections manager's day in the browser: filter a pool, open a customer, log a promise
to pay, send letter 1, write off 0.40 and see the aging update; bad input shown beside its
field with what was typed kept."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from collections_app.services import (
    aging_period_set_default_ensure,
    aging_snapshot_create,
    customer_pool_save,
    letter_steps_default_ensure,
)
from core.roles import COLLECTIONS_MANAGER, roles_sync
from entities.models import PartyContact
from tests.browser.conftest import sign_in
from tests.factories.entities import EntityGrantFactory, PaymentTermsFactory, UserFactory
from tests.factories.receivables import post_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_collections_manager_works_a_customer(page, fabrikam):
    aging_period_set_default_ensure()  # a flush by an earlier committing test removes them
    letter_steps_default_ensure()
    today = timezone.localdate()
    terms = PaymentTermsFactory(code="N0", net_days=0)
    fab = fabrikam["customers"]["FAB"]
    PartyContact.objects.create(party=fab.party, name="AP", email="ap@northwind.example")
    post_invoice(fab, amounts=["1200.00"], on=today - timedelta(days=75), terms=terms)
    small = post_invoice(fab, amounts=["0.40"], on=today - timedelta(days=20), terms=terms)
    other = fabrikam["customers"]["FABW"]
    post_invoice(other, amounts=["300.00"], on=today - timedelta(days=5), terms=terms)
    entity = fabrikam["FAB"]
    entity.max_write_off = Decimal("1.00")
    entity.save()
    for code in ("FAB", "FABW"):
        aging_snapshot_create(legal_entity=fabrikam[code], as_of=today)
    customer_pool_save(
        code="OVER60", name="Overdue over 60 days", criteria={"min_days_overdue": 60}, actor=None
    )
    roles_sync()
    manager = UserFactory(username="manager")
    manager.groups.add(Group.objects.get(name=COLLECTIONS_MANAGER))
    for code in ("FAB", "FABE", "FABW"):
        EntityGrantFactory(user=manager, legal_entity=fabrikam[code])

    sign_in(page, "manager")
    page.get_by_role("link", name="Collections").click()
    expect(page.locator("#collections-table tbody tr")).to_have_count(2)
    expect(page.locator("#aging-chart g[data-entity='FAB']")).to_have_count(1)
    expect(page.locator("#chart-numbers tr[data-entity='FAB']")).to_contain_text("1,200.40")
    page.get_by_label("Customer pool").select_option(label="Overdue over 60 days")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#collections-table tbody tr")).to_have_count(1)
    page.get_by_role("link", name="4000 · Northwind Traders").click()
    expect(page.locator("#live-aging tr[data-entity='FAB'] .balance")).to_have_text("1,200.40 USD")

    # A promise in the past is refused beside its field, the subject kept.
    page.get_by_label("Activity", exact=True).select_option(label="Promise to pay")
    page.get_by_label("Subject").fill("Pays the old invoice")
    page.get_by_label("Promised date").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("Promised amount").fill("1200.00")
    page.get_by_role("button", name="Log").click()
    expect(page.locator("#activity-form .error")).to_contain_text("promised date is in the past")
    expect(page.get_by_label("Subject")).to_have_value("Pays the old invoice")
    page.get_by_label("Promised date").fill((today + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Log").click()
    expect(page.locator(".messages")).to_contain_text("Activity logged")
    expect(page.locator("#activities li[data-kind='promise_to_pay']")).to_contain_text(
        "1,200.00 USD"
    )

    page.get_by_role("button", name="Send next letter").click()
    expect(page.locator(".messages")).to_contain_text("Letter 1 emailed to ap@northwind.example")
    expect(page.locator("#letters")).to_contain_text("emailed to ap@northwind.example")
    assert len(mail.outbox) == 1

    row = page.locator(f"#open-items tr[data-document='{small.number}']")
    row.get_by_label(f"Write-off reason for {small.number}").fill("Small balance")
    row.get_by_role("button", name="Write off").click()
    expect(page.locator(".messages")).to_contain_text("0.40 USD written off")
    expect(page.locator("#live-aging tr[data-entity='FAB'] .balance")).to_have_text("1,200.00 USD")
    expect(page.locator(f"#open-items tr[data-document='{small.number}']")).to_have_count(0)
