"""Where the receivables room's objects are shown, and the links it registers with lower rooms:
the source of the vouchers it posts (with the ledger) and what its jobs made (with core)."""

from django.urls import reverse
from django.utils.translation import gettext_noop

from core.jobs import JOB_OUTPUTS_SHOWN
from core.links import Link
from core.money import format_amount
from ledger.models import Voucher

from .models import CreditNote, InterestNote, Invoice, OpenTransaction, Payment, Refund
from .selectors import interest_notes_for_user, recurring_occurrences_for_user

_PAGES = {
    OpenTransaction.Kind.INVOICE: ("invoices-detail", "invoice_id"),
    OpenTransaction.Kind.CREDIT_NOTE: ("credit_notes-detail", "credit_note_id"),
    OpenTransaction.Kind.INTEREST_NOTE: ("interest-note-detail", "interest_note_id"),
    OpenTransaction.Kind.PAYMENT: ("payment-detail", "payment_id"),
}


def open_transaction_url(open_transaction: OpenTransaction) -> str:
    """The page of the document an open transaction stands for; the voucher that made it for
    those without a page of their own (refunds, protested bills)."""
    page = _PAGES.get(open_transaction.kind)
    if page is not None and getattr(open_transaction, page[1]) is not None:
        return reverse(page[0], args=[getattr(open_transaction, page[1])])
    return reverse("voucher-detail", args=[open_transaction.voucher_id])


def _document(model, kind: str, url_name: str, field: str):
    """A resolver of source keys naming a document of ``model`` by ``field`` (pk or number)."""

    def resolve(rest: str, voucher: Voucher, user) -> Link | None:
        if field == "pk" and not rest.isdigit():
            return None
        found = (
            model.objects.filter(legal_entity_id=voucher.legal_entity_id, **{field: rest})
            .values_list("pk", "number")
            .first()
        )
        if found is None:
            return None
        pk, number = found
        return Link(kind=kind, label=number or f"draft {pk}", url=reverse(url_name, args=[pk]))

    return resolve


def _refund(rest: str, voucher: Voucher, user) -> Link | None:
    refund = (
        Refund.objects.filter(legal_entity_id=voucher.legal_entity_id, number=rest)
        .select_related("customer")
        .first()
    )
    if refund is None:
        return None
    return Link(
        kind=gettext_noop("Refund"),
        label=refund.number,
        url=reverse("customer-detail", args=[refund.customer_id]),
        note=f"to {refund.customer.account} · {format_amount(refund.amount, refund.currency)} "
        f"{refund.currency}",
    )


VOUCHER_SOURCES = {
    "invoice": _document(Invoice, gettext_noop("Invoice"), "invoices-detail", "pk"),
    "credit_note": _document(CreditNote, gettext_noop("Credit note"), "credit_notes-detail", "pk"),
    "interest_note": _document(
        InterestNote, gettext_noop("Interest note"), "interest-note-detail", "pk"
    ),
    "interest-note-reversal": _document(
        InterestNote, gettext_noop("Reversal of interest note"), "interest-note-detail", "number"
    ),
    "payment": _document(Payment, gettext_noop("Payment"), "payment-detail", "number"),
    "payment-reversal": _document(
        Payment, gettext_noop("Reversal of payment"), "payment-detail", "number"
    ),
    "refund": _refund,
}


def recurring_invoices_made(job, user) -> list[Link]:
    occurrences = (
        recurring_occurrences_for_user(user)
        .filter(job=job)
        .order_by("invoice__legal_entity__code", "invoice_id")[:JOB_OUTPUTS_SHOWN]
    )
    return [
        Link(
            kind=gettext_noop("Invoice"),
            label=o.invoice.number or f"draft {o.invoice_id}",
            url=reverse("invoices-detail", args=[o.invoice_id]),
            note=f"{o.assignment.customer.account} · period {o.period_date.isoformat()}",
        )
        for o in occurrences
    ]


def interest_notes_made(job, user) -> list[Link]:
    notes = (
        interest_notes_for_user(user)
        .prefetch_related(None)
        .filter(job=job)
        .order_by("legal_entity__code", "pk")
    )
    return [
        Link(
            kind=gettext_noop("Interest note"),
            label=n.number or f"draft {n.pk}",
            url=reverse("interest-note-detail", args=[n.pk]),
            note=f"{n.legal_entity.code} {n.customer.account} · "
            f"{format_amount(n.total, n.currency)} {n.currency}",
        )
        for n in notes[:JOB_OUTPUTS_SHOWN]
    ]
