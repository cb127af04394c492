from datetime import date
from importlib import import_module

import pytest
from playwright.sync_api import expect

from core.jobs import job_run, job_start
from tests.browser.conftest import sign_in
from tests.conftest import make_clerk
from tests.factories.entities import CustomerFactory, PartyFactory
from tests.factories.receivables import post_credit_note, post_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _default_aging_periods(transactional_db):
    """The data migration's default aging period set: a test that commits ends with a flush,
    which takes it away from the tests after it."""
    from django.apps import apps

    import_module("collections_app.migrations.0002_default_aging_periods").create(apps, None)


def test_aging_page_shows_the_latest_snapshot_per_customer(page, fabrikam):
    fab_4000 = fabrikam["customers"]["FAB"]
    contoso = CustomerFactory(
        legal_entity=fabrikam["FAB"], account="5000", party=PartyFactory(number="5000")
    )
    post_invoice(fab_4000, amounts=["1200.00"], on=date(2026, 6, 10))  # 20 days
    post_invoice(fab_4000, amounts=["300.00"], on=date(2026, 3, 1))  # 121 days
    post_credit_note(fab_4000, amounts=["50.00"], on=date(2026, 6, 30))  # current
    post_invoice(contoso, amounts=["75.00"], on=date(2026, 4, 1))  # 90 days
    post_invoice(fabrikam["customers"]["FABE"], amounts=["999.00"], on=date(2026, 6, 1))
    clerk = make_clerk("collector", fabrikam["FAB"], fabrikam["FABE"])
    job = job_start(
        kind="aging_snapshot",
        legal_entities=[fabrikam["FAB"], fabrikam["FABE"]],
        as_of=date(2026, 6, 30),
        actor=clerk,
        enqueue=False,
    )
    assert job_run(job_id=job.pk).state == "done"

    sign_in(page, "collector")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Aging").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aging · FAB as of 2026-06-30")
    headers = page.locator("#aging-lines thead th")
    expect(headers).to_have_text(
        [
            "Account",
            "Name",
            "Party",
            "Balance",
            "Current",
            "1–30",
            "31–60",
            "61–90",
            "Over 90",
            "Overdue",
        ]
    )
    expect(page.locator("#aging-lines tbody tr[data-customer='4000'] td")).to_have_text(
        [
            "4000",
            "Northwind Traders",
            "4050",
            "1,450.00",
            "-50.00",
            "1,200.00",
            "0.00",
            "0.00",
            "300.00",
            "1,500.00",
        ]
    )
    expect(page.locator("#aging-lines tbody tr[data-customer='5000'] td").nth(7)).to_have_text(
        "75.00"
    )
    expect(page.locator("#aging-totals td").first).to_have_text("1,525.00")
    expect(page.locator("#aging-chart tr").nth(1)).to_contain_text("1,200.00")

    page.get_by_label("Sort by").select_option("-balance")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#aging-lines tbody tr").first).to_have_attribute("data-customer", "4000")

    page.get_by_label("As of").fill("2026-05-31")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#no-snapshot")).to_contain_text("No aging snapshot of FAB on 2026-05-31")

    with page.expect_navigation():
        page.locator("#entity-switch").select_option("FABE")
    page.goto("/collections/aging/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aging · FABE")
    expect(page.locator("#aging-lines tbody tr")).to_have_count(1)
    expect(page.locator("#aging-totals td").first).to_have_text("999.00")
