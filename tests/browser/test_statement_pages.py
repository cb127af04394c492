"""Statements and printed documents in the browser: generate a customer's statement from its
collections view (a period that ends before it starts is refused beside its field), read it,
download its PDF and email it; start a pool's statements and reach them from the job; open an
invoice's printable page and download its PDF."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from collections_app.models import CustomerStatement
from collections_app.services import (
    aging_period_set_default_ensure,
    aging_snapshot_create,
    customer_pool_save,
)
from core.jobs import job_run
from core.models import Job
from entities.models import PartyContact
from tests.browser.conftest import sign_in
from tests.conftest import make_clerk
from tests.factories.entities import PaymentTermsFactory
from tests.factories.receivables import post_invoice, post_payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_statement_from_the_customer_page_then_its_pdf_and_email(page, fabrikam):
    aging_period_set_default_ensure()  # a flush by an earlier committing test removes them
    fab = fabrikam["customers"]["FAB"]
    PartyContact.objects.create(party=fab.party, name="AP", email="ap@northwind.example")
    terms = PaymentTermsFactory()
    post_invoice(fab, amounts=["100.00"], on=date(2026, 1, 10), terms=terms)
    invoice = post_invoice(fab, amounts=["250.00"], on=date(2026, 2, 5), terms=terms)
    post_payment(fab, amount="40.00", on=date(2026, 2, 20))
    make_clerk("clerk", fabrikam["FAB"])

    sign_in(page, "clerk")
    page.goto(f"/collections/customers/{fab.pk}/")
    page.get_by_label("From").fill("2026-03-01")
    page.get_by_label("To", exact=True).fill("2026-02-01")
    page.get_by_role("button", name="Generate statement").click()
    expect(page.locator("#st-to-error")).to_have_text(
        "The period ends (2026-02-01) before it starts (2026-03-01)."
    )
    expect(page.get_by_label("From")).to_have_value("2026-03-01")
    assert not CustomerStatement.objects.exists()

    page.get_by_label("From").fill("2026-02-01")
    page.get_by_label("To", exact=True).fill("2026-03-31")
    page.get_by_role("button", name="Generate statement").click()
    statement = CustomerStatement.objects.get()
    page.wait_for_url(f"**/collections/statements/{statement.pk}/")
    section = page.locator("#statement-USD table.movements")
    expect(section.locator("tr.opening")).to_contain_text("100.00")
    expect(section.locator("tbody tr")).to_have_count(3)  # opening, the invoice, the payment
    expect(section.locator("tbody tr").nth(1)).to_contain_text(invoice.number)
    expect(section.locator(".closing")).to_have_text("310.00")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == f"statement-{statement.pk}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.get_by_role("button", name="Email statement").click()
    expect(page.locator("#statement-emailed")).to_contain_text("ap@northwind.example")
    (message,) = mail.outbox
    assert message.to == ["ap@northwind.example"]
    assert message.attachments[0][0] == f"statement-{statement.pk}.pdf"


def test_pool_statements_job_and_invoice_print_pages(page, fabrikam):
    aging_period_set_default_ensure()
    today = timezone.localdate()
    fab = fabrikam["customers"]["FAB"]
    terms = PaymentTermsFactory()
    invoice = post_invoice(fab, amounts=["700.00"], on=today - timedelta(days=40), terms=terms)
    aging_snapshot_create(legal_entity=fabrikam["FAB"], as_of=today)
    customer_pool_save(
        code="BIG", name="Balance over 500", criteria={"min_balance": 500}, actor=None
    )
    make_clerk("clerk", fabrikam["FAB"])

    sign_in(page, "clerk")
    page.goto("/collections/statements/")
    page.get_by_label("Customer pool").select_option(label="BIG · Balance over 500")
    page.get_by_role("button", name="Generate statements").click()
    job = Job.objects.get(kind="customer_statements")
    page.wait_for_url(f"**/jobs/{job.pk}/")
    assert job_run(job_id=job.pk).state == "done"
    page.reload()
    page.get_by_role("link", name="See what this job made").click()
    expect(page.locator("#statement-list tbody tr")).to_have_count(1)
    expect(page.locator("#statement-list tbody tr")).to_contain_text("700.00 USD")

    page.goto(f"/invoices/{invoice.pk}/")
    page.get_by_role("link", name="Print view").click()
    expect(page.locator("#document-number")).to_have_text(invoice.number)
    expect(page.locator("#rf-reference")).to_have_text("RF15 FABI NV00 0000 01")
    page.go_back()
    with page.expect_download() as download:
        page.locator("#document-print").get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename == f"invoice-{invoice.number}.pdf"
