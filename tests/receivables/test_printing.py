"""Printed invoices and credit notes: the RF creditor reference, the printed figures, the PDF
through the API and the pages, emailing it to the customer, and who may print what."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from banking.services.matching import statement_match
from core.bank_codes import (
    rf_reference_for_document,
    rf_reference_make,
    rf_reference_payload,
    rf_reference_print,
)
from core.models import AuditEntry
from entities.models import PartyAddress, PartyContact
from entities.services import legal_entity_update
from receivables.models import Invoice
from receivables.printing import document_print_html
from receivables.services import DocumentInput, DocumentLineInput, invoice_create
from tests.banking.test_matching_service import bank_statement, lines_of
from tests.conftest import make_clerk
from tests.factories.entities import (
    CashDiscountFactory,
    PaymentTermsFactory,
    SalesTaxCodeFactory,
)
from tests.factories.receivables import post_credit_note, post_invoice
from tests.pdf_text import laid_out_pages

pytestmark = pytest.mark.django_db


def test_rf_reference_make_gives_the_iso_11649_example():
    assert rf_reference_make("539007547034") == "RF18539007547034"
    assert rf_reference_print("RF18539007547034") == "RF18 5390 0754 7034"
    assert rf_reference_payload("RF18 5390 0754 7034") == "539007547034"


def test_rf_reference_for_document_carries_the_number_with_check_digits():
    reference = rf_reference_for_document("FAB-INV00000001")
    assert reference == "RF15FABINV00000001"
    # By hand: the payload, then "RF15", letters as numbers (A=10 … Z=35), mod 97 is 1.
    # F=15 A=10 B=11 I=18 N=23 V=31 00000001 R=27 F=15 1 5
    assert int("15101118233100000001271515") % 97 == 1
    assert rf_reference_for_document("fabe-inv00000012") == rf_reference_make("FABEINV00000012")
    # A number the matching could not read back, or too long for a reference: none printed.
    assert rf_reference_for_document("2026/14") is None
    assert rf_reference_for_document("A" * 22) is None
    assert rf_reference_for_document("") is None


@pytest.fixture
def invoice(fabrikam):
    """FABE/4000: 600.00 + sales tax 6.37 % (38.22) = 638.22, net 30 days, cash discount 3 %
    within 5 days then 2 % within 10 days (of the amount before tax)."""
    customer = fabrikam["customers"]["FABE"]
    PartyAddress.objects.create(
        party=customer.party,
        purpose="invoice",
        street="12 Harbour Road",
        postal_code="98052",
        city="Redmond",
        country="US",
    )
    return post_invoice(
        customer,
        amounts=["600.00"],
        tax_code=SalesTaxCodeFactory(),
        terms=PaymentTermsFactory(),
        cash_discount=CashDiscountFactory(
            code="3P5", periods=[(5, Decimal("3")), (10, Decimal("2"))]
        ),
    )


def test_document_print_html_shows_the_letterhead_lines_tax_terms_discounts_and_reference(
    invoice,
):
    assert invoice.number == "FABE-INV00000001"
    (page,) = laid_out_pages(document_print_html(invoice))
    for text in [
        "Fabrikam East",
        "Northwind Traders",
        "12 Harbour Road",
        "98052 Redmond",
        "Customer 4000 · party 4050",
        "Invoice FABE-INV00000001",
        "2026-03-02",
        "Due date 2026-04-01",
        "N30 · net 30 days",
        "Line 1",
        "Amount before tax 600.00",
        "Sales tax VAT6 6.37 % of 600.00 38.22",
        "Total USD 638.22",
        "Please pay 638.22 USD by 2026-04-01",
        "RF69 FABE INV0 0000 001",
        "2026-03-07 3 % · 18.00 620.22",
        "2026-03-12 2 % · 12.00 626.22",
        "Page 1 of 1",
    ]:
        assert text in page, text


def test_invoice_pdf_api_answers_the_pdf(api_client, admin_user, invoice):
    api_client.force_authenticate(admin_user)
    response = api_client.get(f"/api/v1/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="invoice-FABE-INV00000001.pdf"'
    )
    assert response.content[:5] == b"%PDF-"


def test_a_statement_line_with_the_printed_reference_matches_the_invoice(fabrikam, invoice):
    (page,) = laid_out_pages(document_print_html(invoice))
    printed = "RF69 FABE INV0 0000 001"
    assert printed in page
    clerk = make_clerk("clerk", fabrikam["FAB"], fabrikam["FABE"])
    statement = bank_statement(
        fabrikam["FABE"], [{"amount": "638.22", "remittance_info": f"Payment {printed}"}]
    )
    statement_match(statement=statement, actor=clerk)
    (line,) = lines_of(statement)
    assert line.status == "matched"
    assert [t["transaction"] for t in line.marked] == [invoice.open_transaction.pk]
    assert line.proposals[0]["rule"] == "reference"


def test_credit_note_pdf_and_print_page(client, admin_user, fabrikam, invoice):
    credit_note = post_credit_note(
        fabrikam["customers"]["FABE"], amounts=["25.00"], invoice=invoice
    )
    (page,) = laid_out_pages(document_print_html(credit_note))
    assert "Credit note FABE-CN00000001" in page
    assert f"Credits invoice {invoice.number} of 2026-03-02" in page
    assert "reduces what you owe by 25.00 USD" in page
    client.force_login(admin_user)
    pdf = client.get(f"/credit-notes/{credit_note.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    api = client.get(f"/api/v1/credit-notes/{credit_note.pk}/pdf/")
    assert api.status_code == 200 and api.content[:5] == b"%PDF-"
    detail = client.get(f"/credit-notes/{credit_note.pk}/").content.decode()
    assert f'href="/credit-notes/{credit_note.pk}/pdf/"' in detail


def test_a_draft_does_not_print(api_client, admin_user, fabrikam):
    draft = invoice_create(
        data=DocumentInput(
            legal_entity=fabrikam["FAB"],
            customer=fabrikam["customers"]["FAB"],
            date=date(2026, 3, 2),
            lines=[DocumentLineInput(description="x", amount=Decimal("10.00"))],
        ),
        actor=None,
    )
    api_client.force_authenticate(admin_user)
    response = api_client.get(f"/api/v1/invoices/{draft.pk}/pdf/")
    assert response.status_code == 409
    assert response.json()["message"] == (
        f"Invoice draft {draft.pk} is not posted: post it before printing it."
    )
    emailed = api_client.post(f"/api/v1/invoices/{draft.pk}/email/", {}, format="json")
    assert emailed.status_code == 409 and not AuditEntry.objects.filter(action="invoice.emailed")


def test_printing_is_scoped_to_the_granted_entities(api_client, client, fabrikam, invoice):
    clerk = make_clerk("fab-only", fabrikam["FAB"])
    api_client.force_authenticate(clerk)
    assert api_client.get(f"/api/v1/invoices/{invoice.pk}/pdf/").status_code == 404
    posted = api_client.post(f"/api/v1/invoices/{invoice.pk}/email/", {}, format="json")
    assert posted.status_code == 404
    client.force_login(clerk)
    assert client.get(f"/invoices/{invoice.pk}/pdf/").status_code == 404
    assert client.get(f"/invoices/{invoice.pk}/print/").status_code == 404
    assert not mail.outbox


def test_invoice_email_goes_to_the_contact_with_the_pdf_after_commit(
    api_client, fabrikam, invoice, django_capture_on_commit_callbacks
):
    clerk = make_clerk("clerk", fabrikam["FABE"])
    PartyContact.objects.create(party=invoice.customer.party, name="Zed", email="zed@example.com")
    PartyContact.objects.create(
        party=invoice.customer.party, name="Accounts payable", email="ap@example.com"
    )
    api_client.force_authenticate(clerk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api_client.post(f"/api/v1/invoices/{invoice.pk}/email/", {}, format="json")
        assert response.status_code == 202 and response.json() == {"emailed_to": "ap@example.com"}
        assert not mail.outbox  # not before commit
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert message.to == ["ap@example.com"]
    assert message.subject == "Fabrikam East: invoice FABE-INV00000001"
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("invoice-FABE-INV00000001.pdf", "application/pdf")
    assert content[:5] == b"%PDF-"
    entry = AuditEntry.objects.get(action="invoice.emailed")
    assert entry.object_id == str(invoice.pk) and entry.actor == clerk
    assert entry.changes == {"emailed_to": [None, "ap@example.com"]}


def test_invoice_email_without_a_contact_email_names_the_field(api_client, admin_user, invoice):
    api_client.force_authenticate(admin_user)
    response = api_client.post(f"/api/v1/invoices/{invoice.pk}/email/", {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "email" in body["fields"]
    assert body["message"] == (
        "Party 4050 has no contact with an email address: add one to its contacts, or enter the "
        "address to send to."
    )
    bad = api_client.post(
        f"/api/v1/invoices/{invoice.pk}/email/", {"email": "a@x.com, b@y.com"}, format="json"
    )
    assert bad.status_code == 400 and "email" in bad.json()["fields"]
    given = api_client.post(
        f"/api/v1/invoices/{invoice.pk}/email/", {"email": "buyer@example.com"}, format="json"
    )
    assert given.status_code == 202 and given.json() == {"emailed_to": "buyer@example.com"}


def test_document_page_emails_and_links_the_pdf(
    client, fabrikam, invoice, django_capture_on_commit_callbacks
):
    clerk = make_clerk("clerk", fabrikam["FABE"])
    client.force_login(clerk)
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert f'href="/invoices/{invoice.pk}/pdf/"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/invoices/{invoice.pk}/email/", {"email": "buyer@example.com"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["buyer@example.com"]
    assert Invoice.objects.get(pk=invoice.pk).status == "posted"


def test_letterhead_prints_the_entity_address_and_vat_number(fabrikam, invoice):
    (page,) = laid_out_pages(document_print_html(invoice))
    assert "VAT number" not in page  # none given: no empty label
    legal_entity_update(
        legal_entity=fabrikam["FABE"],
        data={
            "address_lines": "1 Microsoft Way\nBuilding 92",
            "postal_code": "98052",
            "city": "Redmond",
            "country": "US",
            "vat_number": "US-91-1144442",
        },
        actor=None,
    )
    invoice.refresh_from_db()
    (page,) = laid_out_pages(document_print_html(invoice))
    assert page.startswith(
        "Fabrikam East 1 Microsoft Way Building 92 98052 Redmond United States "
        "VAT number US-91-1144442 Legal entity FABE"
    ), page
    # The customer's address, its country by name too.
    assert "Northwind Traders 12 Harbour Road 98052 Redmond United States" in page


def test_a_french_customer_invoice_prints_in_french(fabrikam, invoice):
    """Words, dates, amounts and country names in the customer's language, whoever prints."""
    customer = invoice.customer
    customer.language = "fr"
    customer.save(update_fields=["language"])
    legal_entity_update(
        legal_entity=fabrikam["FABE"],
        data={"postal_code": "0150", "city": "Oslo", "country": "NO", "vat_number": "NO1MVA"},
        actor=None,
    )
    invoice.refresh_from_db()
    (page,) = laid_out_pages(document_print_html(invoice))
    for text in [
        "Fabrikam East 0150 Oslo Norvège N° TVA NO1MVA Entité juridique FABE",
        "Northwind Traders 12 Harbour Road 98052 Redmond États-Unis",
        "Client 4000 · tiers 4050",
        "Facture FABE-INV00000001 Date 02/03/2026",
        "Date d'échéance 01/04/2026",
        "Devise USD",
        "Conditions de paiement N30 · 30 jours net",
        "Description Quantité Prix unitaire TVA Montant",
        "Montant HT 600,00",
        "TVA VAT6 6,37 % de 600,00 38,22",
        "Total USD 638,22",
        "Paiement Veuillez régler 638,22 USD au plus tard le 01/04/2026 en indiquant la "
        "référence créancier",
        "RF69 FABE INV0 0000 001",
        "Payé au plus tard le Escompte Montant à payer",
        "07/03/2026 3 % · 18,00 620,22",
        "12/03/2026 2 % · 12,00 626,22",
        "Page 1 sur 1",
    ]:
        assert text in page, text
    for english in ["Invoice", "Please pay", "Due date", "Page 1 of 1", "Legal entity"]:
        assert english not in page, english


def test_a_customer_without_a_language_prints_in_its_entity_language_not_the_clerks(
    fabrikam, invoice
):
    from django.utils import translation

    with translation.override("fr"):  # the clerk's pages are French; the customer's English
        (page,) = laid_out_pages(document_print_html(invoice))
        assert translation.get_language() == "fr"
    assert "Invoice FABE-INV00000001 Date 2026-03-02" in page
    assert "Please pay 638.22 USD by 2026-04-01" in page
    legal_entity_update(legal_entity=fabrikam["FABE"], data={"language": "nb"}, actor=None)
    invoice.refresh_from_db()
    (page,) = laid_out_pages(document_print_html(invoice))
    assert "Faktura FABE-INV00000001 Dato 02.03.2026" in page
    assert "Vennligst betal 638,22 USD innen 01.04.2026" in page


def test_a_french_customer_credit_note_prints_in_french(fabrikam, invoice):
    customer = invoice.customer
    customer.language = "fr"
    customer.save(update_fields=["language"])
    credit_note = post_credit_note(customer, amounts=["1250.00"], invoice=invoice)
    (page,) = laid_out_pages(document_print_html(credit_note))
    assert "Avoir FABE-CN00000001" in page
    assert f"Avoir sur la facture {invoice.number} du 02/03/2026" in page
    assert (
        "Cet avoir diminue de 1\u00a0250,00 USD le montant que vous nous devez ; il est imputé "
        "sur vos factures non réglées. Référence" in page
    )
    assert "RF22 FABE CN00 0000 01" in page


def test_the_api_prints_in_the_customer_language_not_english(
    api_client, admin_user, invoice, monkeypatch
):
    """The API answers in English; the document it prints is the customer's."""
    import receivables.printing

    printed = []

    def html_to_pdf(html):
        printed.append(html)
        return b"%PDF-"

    monkeypatch.setattr(receivables.printing, "html_to_pdf", html_to_pdf)
    invoice.customer.language = "nb"
    invoice.customer.save(update_fields=["language"])
    api_client.force_authenticate(admin_user)
    response = api_client.get(f"/api/v1/invoices/{invoice.pk}/pdf/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200 and response.content == b"%PDF-"
    (html,) = printed
    assert '<html lang="nb">' in html
    (page,) = laid_out_pages(html)
    assert "Faktura FABE-INV00000001" in page and "Side 1 av 1" in page


def test_invoice_email_is_written_in_the_customer_language(
    fabrikam, invoice, django_capture_on_commit_callbacks
):
    from receivables.services.document_email import document_email

    invoice.customer.language = "fr"
    invoice.customer.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        document_email(document=invoice, actor=None, email="ap@example.com")
    (message,) = mail.outbox
    assert message.subject == "Fabrikam East : facture FABE-INV00000001"
    assert message.body == (
        "Madame, Monsieur,\n\nveuillez trouver ci-joint la facture FABE-INV00000001 du "
        "02/03/2026 établie au nom de Northwind Traders.\n\nFabrikam East"
    )
