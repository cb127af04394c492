import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import make_clerk
from tests.factories.entities import UserFactory
from tests.factories.ledger import post_simple_voucher

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_and_see_fab_trial_balance(page, fabrikam):
    post_simple_voucher(fabrikam["FAB"], amount="1234.56")
    post_simple_voucher(fabrikam["FAB"], amount="34.56", debit="revenue", credit="bank")
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    sign_in(page, "boss")
    page.get_by_role("link", name="Trial balance").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Trial balance · FAB")
    bank = page.locator("#trial-balance tr[data-account='110100']")
    expect(bank).to_contain_text("1,234.56")
    expect(bank).to_contain_text("34.56")
    expect(bank).to_contain_text("1,200.00")
    expect(page.locator("#total-debit")).to_have_text("1,269.12")
    expect(page.locator("#total-credit")).to_have_text("1,269.12")
    expect(page.locator("#total-balance")).to_have_text("0.00")


def test_wrong_password_shows_error_and_keeps_user_name(page, fabrikam):
    UserFactory(username="boss")
    page.goto("/ledger/trial-balance/")
    assert "/accounts/login/" in page.url
    page.get_by_label("User name").fill("boss")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page.get_by_label("User name")).to_have_value("boss")


def test_clerk_switches_only_between_granted_entities(page, fabrikam):
    make_clerk("clerk", fabrikam["FABE"])
    post_simple_voucher(fabrikam["FABE"], amount="10.00")
    post_simple_voucher(fabrikam["FABW"], amount="99.00")
    sign_in(page, "clerk")
    options = page.locator("#entity-switch option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_text("FABE · Fabrikam East")
    page.goto("/ledger/trial-balance/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("FABE")
    response = page.goto("/ledger/FABW/trial-balance/")
    assert response.status == 404
    response = page.goto("/ledger/FABW/vouchers/")
    assert response.status == 404


def test_voucher_pages_show_lines(page, fabrikam):
    voucher = post_simple_voucher(fabrikam["FAB"], amount="600.00")
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    sign_in(page, "boss")
    page.get_by_role("link", name="Vouchers").first.click()
    page.get_by_role("link", name=voucher.number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Voucher {voucher.number}")
    lines = page.locator("#voucher-lines tbody tr")
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_contain_text("600.00")


def test_home_and_legal_entity_page_with_history(page, fabrikam):
    from datetime import date

    from django.db import transaction

    from entities.services import legal_entity_update
    from tests.factories.receivables import post_invoice

    post_invoice(fabrikam["customers"]["FAB"], amounts=["1234.50"], on=date(2026, 3, 2))
    from django.utils import timezone

    post_invoice(fabrikam["customers"]["FAB"], amounts=["10.00"], on=timezone.localdate())
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    with transaction.atomic():
        legal_entity_update(
            legal_entity=fabrikam["FAB"], data={"max_underpayment": "0.50"}, actor=boss
        )
    sign_in(page, "boss")
    row = page.locator("#entity-summaries tr[data-entity='FAB']")
    expect(row).to_contain_text("1,244.50 USD")  # two open invoices
    expect(row).to_contain_text("1,234.50 (1)")  # one overdue (due 2026-03-02), one due today
    page.get_by_role("link", name="FAB", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("FAB · Fabrikam")
    history = page.locator("section.audit")
    expect(history).to_contain_text("legal_entity.parameters_changed")
    expect(history).to_contain_text("boss")
    expect(history).to_contain_text("max_underpayment")
