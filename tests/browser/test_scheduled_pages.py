"""Scheduled work in the browser: start the interest-notes job and watch its progress bar reach
100 % while a real Celery worker runs it; open a note and post it. Create a recurring template,
assign it, generate its invoices."""

from datetime import date
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import expect

from config.celery import app
from receivables.models import InterestNote, Invoice
from receivables.services import InterestRangeInput, interest_code_save
from tests.browser.conftest import sign_in
from tests.conftest import make_clerk
from tests.factories.entities import PaymentTermsFactory
from tests.factories.receivables import post_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_collections_manager_runs_interest_notes_and_posts_one(page, fabrikam, redis_url):
    code = interest_code_save(
        code="M15",
        charge_per="month",
        ranges=[InterestRangeInput(1, None, Decimal("1.5"))],
        actor=None,
    )
    terms = PaymentTermsFactory()
    customer = fabrikam["customers"]["FAB"]
    customer.interest_code = code
    customer.save()
    for amount in ("1000.00", "200.00"):
        post_invoice(customer, amounts=[amount], on=date(2026, 1, 1), terms=terms)
    make_clerk("clerk", fabrikam["FAB"])
    sign_in(page, "clerk")
    page.get_by_role("link", name="Jobs").click()
    page.get_by_label("Job", exact=True).select_option(label="Interest notes")
    page.get_by_label("FAB", exact=True).check()
    page.get_by_label("As of").fill("2026-04-15")
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        page.get_by_role("button", name="Start").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Interest notes")
        progress = page.locator("#job-live .job-progress")
        expect(progress).to_have_attribute("data-state", "done", timeout=30_000)
    expect(progress.locator(".job-percent")).to_have_text("100 %")
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "100")
    page.get_by_role("link", name="See what this job made").click()
    note = InterestNote.objects.get()
    page.get_by_role("link", name=f"draft {note.pk}").click()
    expect(page.locator("#note-total")).to_have_text("36.00 USD")  # 2 months × 1.5 % × 1,200
    page.get_by_role("button", name="Post").click()
    expect(page.locator(".messages")).to_contain_text("posted")
    expect(page.locator("#note-status")).to_have_text("Posted")
    note.refresh_from_db()
    assert note.status == "posted" and note.open_transaction.open_amount == Decimal("36.00")


def test_clerk_creates_a_recurring_template_assigns_it_and_generates(page, fabrikam, settings):
    PaymentTermsFactory()
    make_clerk("clerk", fabrikam["FAB"])
    sign_in(page, "clerk")
    page.get_by_role("link", name="Recurring").click()
    page.get_by_role("link", name="New template").click()
    page.get_by_label("Code", exact=True).fill("RENT")
    page.get_by_label("Description", exact=True).fill("Office rent")
    first_line = page.locator("#lines tbody tr").nth(0)
    first_line.locator("input[name$='-description']").fill("Rent")
    first_line.locator("input[name$='-amount']").fill("1000.001")
    page.get_by_role("button", name="Save template").click()
    expect(page.locator(".error").first).to_contain_text("more decimals than USD allows")
    # Nothing the clerk typed is lost.
    expect(page.get_by_label("Code", exact=True)).to_have_value("RENT")
    first_line.locator("input[name$='-amount']").fill("1000.00")
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recurring template RENT")

    page.get_by_label("Customer").select_option(label="4000 · Northwind Traders")
    page.get_by_label("Start date").fill("2026-01-31")
    page.get_by_label("End date").fill("2026-01-01")
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("form.grid")).to_contain_text("end date cannot be before the start date")
    page.get_by_label("End date").fill("")
    page.get_by_label("Occurrences").fill("12")
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("#assignments")).to_contain_text("4000")

    app.conf.task_always_eager = True  # the job runs in the server's thread when it commits
    try:
        page.goto("/jobs/?kind=recurring_invoices")
        page.get_by_label("FAB", exact=True).check()
        page.get_by_label("As of").fill("2026-03-31")
        page.get_by_role("button", name="Start").click()
        expect(page.locator("#job-live .job-progress")).to_have_attribute("data-state", "done")
    finally:
        app.conf.task_always_eager = False
    page.get_by_role("link", name="See what this job made").click()
    expect(page.locator("#generated tbody tr")).to_have_count(3)
    expect(page.locator("#generated")).to_contain_text("2026-02-28")
    assert Invoice.objects.count() == 3
