"""Links of the settlement pages: an open transaction's document page.

``{{ ot|document_url }}``: the invoice's, credit note's or interest note's page; a payment, a
refund or a protested bill has no page of its own, so its voucher's.
"""

from django import template
from django.urls import reverse

register = template.Library()


@register.filter
def document_url(ot) -> str:
    if ot.invoice_id:
        return reverse("invoices-detail", args=[ot.invoice_id])
    if ot.credit_note_id:
        return reverse("credit_notes-detail", args=[ot.credit_note_id])
    if ot.interest_note_id:
        return reverse("interest-note-detail", args=[ot.interest_note_id])
    return reverse("voucher-detail", args=[ot.voucher_id])
