"""Correcting a posted free-text invoice (Dynamics 365 "Correct"), and what keeps a correction
whole.

The use case lives here, in the settlement room, because it ends with a settlement: the
receivables room makes the documents (``receivables.services.invoice_correction_create``: the
credit note of the whole invoice, posted, and the correcting draft, linked), and this room
settles the invoice against the credit note with its ordinary ``settlement_create``, in the same
database transaction. Receivables may not import settlement; settlement may use both.

Two guards keep a correction whole: an invoice settled (in whole or in part) is not corrected,
and the settlement is named in the refusal (registered with receivables in ``apps.py``); and
the settlement that closed an invoice against its correction credit note is not reversed on its
own (registered with ``settlement_reverse``), since the invoice would open again while its
correction stands.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext, ngettext

from core.audit import Actor
from core.money import ZERO, format_amount
from receivables.models import CreditNote, Invoice, InvoiceCorrection, OpenTransaction
from receivables.services import invoice_correction_create

from ..models import Settlement, SettlementLine
from .create import settlement_create
from .plan import SettlementLineInput


@dataclass(frozen=True)
class InvoiceCorrected:
    """What correcting an invoice made."""

    correction: InvoiceCorrection
    invoice: Invoice  # the original, now closed
    credit_note: CreditNote  # posted, closed against the original
    correcting_invoice: Invoice  # the draft to change and post
    settlement: Settlement


@transaction.atomic
def invoice_correct(*, invoice: Invoice, on: date, actor: Actor) -> InvoiceCorrected:
    """Correct a posted invoice on ``on``: a credit note of all of it (same lines, amounts,
    sales tax and accounts) dated ``on`` (an open period, not before the invoice), settled
    against the invoice so that both are closed, and a new draft invoice copying the original
    for the clerk to change and post; the three linked. One database transaction.

    The settlement takes no cash discount: the credit note cancels the invoice exactly. In a
    foreign currency the credit note is valued at the rate of ``on``, and the settlement books
    the realized exchange difference against the invoice's rate, as for any credit note."""
    correction = invoice_correction_create(invoice=invoice, on=on, actor=actor)
    original, credit_note = correction.original, correction.credit_note
    invoice_ot = OpenTransaction.objects.get(invoice=original)
    credit_ot = OpenTransaction.objects.get(credit_note=credit_note)
    settlement = settlement_create(
        lines=[
            SettlementLineInput(invoice_ot.pk, amount=original.total, cash_discount=ZERO),
            SettlementLineInput(credit_ot.pk, amount=credit_note.total),
        ],
        on=on,
        primary=None,
        actor=actor,
    )
    return InvoiceCorrected(
        correction=correction,
        invoice=original,
        credit_note=credit_note,
        correcting_invoice=correction.correcting_invoice,
        settlement=settlement,
    )


def invoice_settled_by(invoice: Invoice, open_transaction: OpenTransaction) -> str | None:
    """Why a posted invoice may not be corrected: the settlements (not reversed) that closed
    some of it, by number, date and amount."""
    lines = list(
        SettlementLine.objects.filter(
            open_transaction=open_transaction, settlement__status=Settlement.Status.POSTED
        )
        .select_related("settlement")
        .order_by("settlement_id")
    )
    if not lines:
        return None
    named = ", ".join(
        gettext("settlement %(settlement)s of %(date)s (%(amount)s)")
        % {
            "settlement": line.settlement_id,
            "date": line.settlement.date,
            "amount": format_amount(line.amount, invoice.currency),
        }
        for line in lines
    )
    return ngettext(
        "Invoice %(invoice)s is settled by %(settlements)s: reverse it first, then correct the "
        "invoice.",
        "Invoice %(invoice)s is settled by %(settlements)s: reverse them first, then correct the "
        "invoice.",
        len(lines),
    ) % {"invoice": invoice.number, "settlements": named}


def correction_settlement_guard(settlement: Settlement) -> str | None:
    """The settlement closing an invoice against its correction credit note is not reversed on
    its own: the invoice would be open again while its correction stands."""
    correction = (
        InvoiceCorrection.objects.filter(
            credit_note__open_transaction__settlement_lines__settlement=settlement
        )
        .select_related("original", "credit_note")
        .first()
    )
    if correction is None:
        return None
    return gettext(
        "Settlement %(settlement)s closes invoice %(invoice)s against credit note "
        "%(credit_note)s, which corrected it: it is not reversed."
    ) % {
        "settlement": settlement.pk,
        "invoice": correction.original.number,
        "credit_note": correction.credit_note.number,
    }
