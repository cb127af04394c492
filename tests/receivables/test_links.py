"""Drill-down between the receivables room's pages and the ledger: every document links to its
voucher and open transaction, every voucher to the document that posted it, every open item to
its document, a job to what it made."""

from datetime import date
from decimal import Decimal

import pytest

from core.jobs import job_run, job_start
from core.models import Job
from receivables.models import InterestNote, Invoice
from receivables.services import (
    InterestRangeInput,
    interest_code_save,
    interest_note_post,
    interest_note_reverse,
    interest_notes_create,
    payment_reverse,
)
from tests.conftest import make_clerk
from tests.factories.entities import PaymentTermsFactory
from tests.factories.receivables import post_credit_note, post_invoice, post_payment

pytestmark = pytest.mark.django_db


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _source(html: str) -> str:
    start = html.index('<dd id="voucher-source">')
    return html[start : html.index("</dd>", start) + 5]


@pytest.fixture
def documents(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["600.00"])
    credit_note = post_credit_note(customer, amounts=["25.00"])
    payment = post_payment(customer, amount="250.00")
    return invoice, credit_note, payment


def test_voucher_links_to_the_document_that_posted_it(client, admin_user, documents):
    invoice, credit_note, payment = documents
    client.force_login(admin_user)
    html = _page(client, f"/ledger/vouchers/{invoice.voucher_id}/")
    assert _source(html) == (
        f'<dd id="voucher-source">Invoice <a href="/invoices/{invoice.pk}/">{invoice.number}</a>'
        "</dd>"
    )
    # Its customer balance line links to the customer.
    assert f'<td><a href="/customers/{invoice.customer_id}/">4000</a></td>' in html
    html = _page(client, f"/ledger/vouchers/{credit_note.voucher_id}/")
    assert _source(html) == (
        f'<dd id="voucher-source">Credit note <a href="/credit-notes/{credit_note.pk}/">'
        f"{credit_note.number}</a></dd>"
    )
    html = _page(client, f"/ledger/vouchers/{payment.voucher_id}/")
    assert _source(html) == (
        f'<dd id="voucher-source">Payment <a href="/payments/{payment.pk}/">{payment.number}</a>'
        "</dd>"
    )


def test_reversal_voucher_links_to_the_payment_it_reverses(client, admin_user, documents):
    payment = payment_reverse(payment=documents[2], actor=None)
    client.force_login(admin_user)
    html = _page(client, f"/ledger/vouchers/{payment.reversal_voucher_id}/")
    assert _source(html) == (
        f'<dd id="voucher-source">Reversal of payment <a href="/payments/{payment.pk}/">'
        f"{payment.number}</a></dd>"
    )
    html = _page(client, f"/payments/{payment.pk}/")
    assert (
        f'<dd id="payment-reversal"><a href="/ledger/vouchers/{payment.reversal_voucher_id}/">'
        in html
    )


def test_document_page_links_to_its_voucher_and_open_transaction(client, admin_user, documents):
    invoice = documents[0]
    client.force_login(admin_user)
    html = _page(client, f"/invoices/{invoice.pk}/")
    voucher_link = f'<a href="/ledger/vouchers/{invoice.voucher_id}/">{invoice.voucher.number}</a>'
    assert f"<dt>Voucher</dt><dd>{voucher_link}</dd>" in html
    assert f"<dt>Posted by voucher</dt><dd>{voucher_link}</dd>" in html
    assert '<dd id="open-transaction-open">600.00 USD</dd>' in html
    assert '<p id="settlements">Nothing has settled it.</p>' in html


def test_payment_list_and_page(client, admin_user, documents):
    payment = documents[2]
    client.force_login(admin_user)
    html = _page(client, "/payments/")
    assert f'<a href="/payments/{payment.pk}/">{payment.number}</a>' in html
    html = _page(client, f"/payments/{payment.pk}/")
    assert f"<h1>Payment {payment.number} · FAB</h1>" in html
    assert '<dd id="payment-amount">250.00 USD</dd>' in html
    assert (
        f'<dd id="payment-voucher"><a href="/ledger/vouchers/{payment.voucher_id}/">'
        f"{payment.voucher.number}</a></dd>"
    ) in html
    assert '<dd id="open-transaction-open">-250.00 USD</dd>' in html


def test_payment_page_of_an_entity_not_granted_is_not_found(client, fabrikam, documents):
    client.force_login(make_clerk("clerk", fabrikam["FABE"]))
    assert client.get(f"/payments/{documents[2].pk}/").status_code == 404


def test_customer_page_open_items_link_to_their_documents(client, admin_user, documents):
    invoice, credit_note, payment = documents
    client.force_login(admin_user)
    html = _page(client, f"/customers/{invoice.customer_id}/")
    assert f'<td><a href="/invoices/{invoice.pk}/">{invoice.number}</a></td>' in html
    assert f'<td><a href="/credit-notes/{credit_note.pk}/">{credit_note.number}</a></td>' in html
    assert f'<td><a href="/payments/{payment.pk}/">{payment.number}</a></td>' in html


@pytest.fixture
def interest(fabrikam, admin_user):
    """A posted interest note on an invoice of FAB overdue since 2026-01-31, made by a job."""
    entity, customer = fabrikam["FAB"], fabrikam["customers"]["FAB"]
    customer.payment_terms = PaymentTermsFactory(code="N30", net_days=30)
    customer.interest_code = interest_code_save(
        instance=None,
        code="IC",
        actor=None,
        charge_per="month",
        ranges_by="day",
        grace_days=0,
        ranges=[InterestRangeInput(1, None, Decimal("1.5"))],
        currencies=[],
    )
    customer.save()
    invoice = post_invoice(
        customer, amounts=["1000.00"], on=date(2026, 1, 1), terms=customer.payment_terms
    )
    job = job_start(
        actor=admin_user,
        kind="interest_notes",
        legal_entities=[entity],
        as_of=date(2026, 4, 15),
        enqueue=False,
    )
    interest_notes_create(legal_entities=[entity], as_of=date(2026, 4, 15), actor=None, job=job)
    Job.objects.filter(pk=job.pk).update(state=Job.State.DONE)
    note = interest_note_post(note=InterestNote.objects.get(), actor=None)
    return invoice, note, job


def test_interest_note_page_links_to_invoices_job_and_open_transaction(
    client, admin_user, interest
):
    invoice, note, job = interest
    client.force_login(admin_user)
    html = _page(client, f"/interest-notes/{note.pk}/")
    assert f'<td><a href="/invoices/{invoice.pk}/">{invoice.number}</a></td>' in html
    assert f'<dt>Made by</dt><dd><a href="/jobs/{job.pk}/">job {job.pk}</a></dd>' in html
    assert '<dd id="open-transaction-open">30.00 USD</dd>' in html
    html = _page(client, f"/customers/{invoice.customer_id}/")
    assert f'<td><a href="/interest-notes/{note.pk}/">{note.number}</a></td>' in html


def test_interest_note_vouchers_link_to_the_note(client, admin_user, interest):
    note = interest_note_reverse(note=interest[1], actor=None)
    client.force_login(admin_user)
    html = _page(client, f"/ledger/vouchers/{note.voucher_id}/")
    assert _source(html) == (
        f'<dd id="voucher-source">Interest note <a href="/interest-notes/{note.pk}/">'
        f"{note.number}</a></dd>"
    )
    html = _page(client, f"/ledger/vouchers/{note.reversal_voucher_id}/")
    assert _source(html) == (
        f'<dd id="voucher-source">Reversal of interest note <a href="/interest-notes/{note.pk}/">'
        f"{note.number}</a></dd>"
    )


def test_interest_job_page_lists_the_notes_it_made(client, admin_user, interest):
    _, note, job = interest
    client.force_login(admin_user)
    html = _page(client, f"/jobs/{job.pk}/")
    assert (
        f'<li>Interest note <a href="/interest-notes/{note.pk}/">{note.number}</a> · '
        "FAB 4000 · 30.00 USD</li>"
    ) in html


def test_recurring_job_page_links_to_the_invoices_it_made(client, admin_user, fabrikam):
    from receivables.services import (
        TemplateLineInput,
        recurring_assignment_save,
        recurring_template_save,
    )

    entity, customer = fabrikam["FAB"], fabrikam["customers"]["FAB"]
    template = recurring_template_save(
        legal_entity=entity,
        code="RENT",
        description="Office rent",
        lines=[TemplateLineInput(description="Rent", amount=Decimal("1000.00"))],
        actor=None,
    )
    recurring_assignment_save(
        template=template, customer=customer, actor=None, start_date=date(2026, 1, 31)
    )
    job = job_start(
        actor=admin_user,
        kind="recurring_invoices",
        legal_entities=[entity],
        as_of=date(2026, 2, 28),
        enqueue=False,
    )
    job_run(job_id=job.pk)
    january, february = Invoice.objects.filter(customer=customer).order_by("date")
    client.force_login(admin_user)
    html = _page(client, f"/jobs/{job.pk}/")
    assert (
        f'<li>Invoice <a href="/invoices/{january.pk}/">draft {january.pk}</a> · '
        "4000 · period 2026-01-31</li>"
    ) in html
    assert f'<a href="/invoices/{february.pk}/">draft {february.pk}</a>' in html


def test_refund_voucher_links_to_the_customer_paid_back(client, admin_user, fabrikam):
    from receivables.services import PaymentInput, refund_post

    customer = fabrikam["customers"]["FAB"]
    refund = refund_post(
        data=PaymentInput(
            legal_entity=customer.legal_entity,
            customer=customer,
            date=date(2026, 3, 9),
            amount=Decimal("40.00"),
        ),
        actor=None,
    )
    client.force_login(admin_user)
    html = _page(client, f"/ledger/vouchers/{refund.voucher_id}/")
    assert _source(html) == (
        f'<dd id="voucher-source">Refund <a href="/customers/{customer.pk}/">{refund.number}</a>'
        " · to 4000 · 40.00 USD</dd>"
    )
    # The customer page's open item of the refund links to that voucher.
    html = _page(client, f"/customers/{customer.pk}/")
    assert f'<td><a href="/ledger/vouchers/{refund.voucher_id}/">{refund.number}</a></td>' in html
