"""Printable invoices and credit notes: the page the browser shows (``documents/
sales_document.html``, with its print stylesheet) and the same page as PDF, written in the
customer's language (``Customer.document_language``: its words, dates, amounts and country
names), whoever prints it. Reads only: what the document holds, its open transaction's cash
discounts as ``discounts`` computes them, and the RF creditor reference ``core.bank_codes``
derives from its number."""

from collections import OrderedDict
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from core.bank_codes import rf_reference_for_document, rf_reference_print
from core.countries import country_name
from core.errors import Conflict
from core.money import ZERO, format_decimal_localized
from core.pdf import html_to_pdf
from entities.models import Party

from .discounts import open_transaction_discounts
from .models import CreditNote, DocumentStatus, Invoice, OpenTransaction


def percent_text(percent: Decimal) -> str:
    """A percent as printed: its significant decimals only (6.37, 2, 0.125), written with the
    active language's decimal separator (6,37 in French)."""
    return format_decimal_localized(Decimal(percent).normalize())


# English in messages and the API; translated where a document is printed.
TITLES = {"invoice": gettext_noop("Invoice"), "credit_note": gettext_noop("Credit note")}


class DocumentNotPrintable(Conflict):
    code = "document_not_posted"


def document_kind(document: Invoice | CreditNote) -> str:
    return "credit_note" if isinstance(document, CreditNote) else "invoice"


def party_address_lines(party: Party) -> list[str]:
    """The party's invoice address (else its primary or first one) as printed lines, the
    country by its name in the active language."""
    addresses = list(party.addresses.all())
    address = next((a for a in addresses if a.purpose == "invoice"), None) or next(
        iter(addresses), None
    )
    if address is None:
        return []
    city = " ".join(p for p in (address.postal_code, address.city) if p)
    country = country_name(address.country) if address.country else ""
    return [p for p in (address.street, city, country) if p]


def _taxes(lines) -> list[dict[str, Any]]:
    """Sales tax per code: the base it was taken of and the tax."""
    taxes: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for line in lines:
        if line.sales_tax_code is None:
            continue
        code = line.sales_tax_code
        row = taxes.setdefault(
            code.code,
            {
                "code": code.code,
                "percent": percent_text(code.percent),
                "base": ZERO,
                "amount": ZERO,
            },
        )
        row["base"] += line.amount
        row["amount"] += line.tax_amount
    return list(taxes.values())


def document_printable_check(document: Invoice | CreditNote) -> None:
    """Only a posted document prints: a draft has no number to pay with, and may still
    change."""
    if document.status == DocumentStatus.DRAFT:
        raise DocumentNotPrintable(
            f"{TITLES[document_kind(document)]} draft {document.pk} is not posted: post it "
            "before printing it.",
            field="document",
        )


def document_print_context(document: Invoice | CreditNote) -> dict[str, Any]:
    """What the printed document shows (``document_printable_check`` first), in the active
    language (``document_print_html`` makes it the customer's)."""
    kind = document_kind(document)
    document_printable_check(document)
    lines = list(document.lines.select_related("sales_tax_code").order_by("id"))
    open_transaction = (
        OpenTransaction.objects.filter(**{kind: document})
        .select_related("legal_entity")
        .prefetch_related("cash_discounts")
        .first()
    )
    open_amount = abs(open_transaction.open_amount) if open_transaction else document.total
    discounts = []
    if open_transaction is not None and open_amount:
        for offer in open_transaction_discounts(open_transaction):
            amount = abs(offer.amount)
            discounts.append(
                {
                    "until": offer.until,
                    "percent": percent_text(offer.percent),
                    "amount": amount,
                    "to_pay": open_amount - amount,
                }
            )
    reference = rf_reference_for_document(document.number)
    return {
        "document": document,
        "kind": kind,
        "title": gettext(TITLES[kind]),
        "entity": document.legal_entity,
        "customer": document.customer,
        "address_lines": party_address_lines(document.customer.party),
        "original": getattr(document, "invoice", None),
        "lines": lines,
        "taxes": _taxes(lines),
        "open_amount": open_amount,
        "discounts": discounts,
        "reference": rf_reference_print(reference) if reference else "",
        "printed_on": timezone.localdate(),
    }


def document_language(document: Invoice | CreditNote) -> str:
    """The language the document is printed and emailed in: its customer's."""
    return document.customer.document_language


def document_print_html(document: Invoice | CreditNote) -> str:
    with translation.override(document_language(document)):
        return render_to_string("documents/sales_document.html", document_print_context(document))


def document_pdf(document: Invoice | CreditNote) -> bytes:
    return html_to_pdf(document_print_html(document))


def document_pdf_filename(document: Invoice | CreditNote) -> str:
    return f"{document_kind(document).replace('_', '-')}-{document.number}.pdf"


def party_contact_email(party: Party) -> str:
    """Where a customer's documents are emailed: the first of its party's contacts (by name)
    with an email address, or ""."""
    contact = party.contacts.exclude(email="").order_by("name", "id").first()
    return contact.email if contact else ""
