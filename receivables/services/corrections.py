"""The documents of an invoice correction (Dynamics 365 "Correct"): a credit note of the whole
posted invoice, posted on the correction date, and a new draft invoice copying it, linked to
the original by an ``InvoiceCorrection``.

Closing the invoice against the credit note is a settlement, which is a room above this one:
``settlement.services.invoice_correct`` is the use case, calling ``invoice_correction_create``
and then settling both in the same database transaction. Rooms above register what else stands
in the way of a correction (``invoice_correct_guard_register``): the settlement room names the
settlements of a settled invoice.
"""

from collections.abc import Callable
from datetime import date

from django.db import connection

from core.audit import Actor, acting_user, audit_record
from core.errors import InvalidInput
from core.money import format_amount
from entities.services import ensure_can_act
from ledger.models import PostingType
from ledger.selectors import posting_account

from ..exceptions import DocumentSettled, InvalidTransition, InvoiceAlreadyCorrected
from ..models import (
    CreditNote,
    CreditNoteLine,
    DocumentStatus,
    Invoice,
    InvoiceCorrection,
    InvoiceLine,
    OpenTransaction,
)
from ..selectors import open_transactions_for_update
from .document_posting import credit_note_post
from .documents import DocumentInput, DocumentLineInput, _create

# Rooms above register a guard: given the locked posted invoice and its locked open
# transaction, the reason it may not be corrected, or None.
InvoiceCorrectGuard = Callable[[Invoice, OpenTransaction], str | None]
_guards: list[InvoiceCorrectGuard] = []


def invoice_correct_guard_register(guard: InvoiceCorrectGuard) -> None:
    _guards.append(guard)


def invoice_correction_create(*, invoice: Invoice, on: date, actor: Actor) -> InvoiceCorrection:
    """Post a credit note of all of ``invoice`` (its lines, amounts, sales tax and accounts,
    dated ``on``) and create a draft invoice copying it (customer, lines, terms, cash discount,
    currency, dated ``on``), linked to it; in the caller's transaction, which settles the two.

    Refused, naming the field: an invoice not posted (a draft, a reversed one), one already
    corrected, a date before the invoice's, a settled invoice (what the registered guards say,
    else how much is settled). A disputed invoice may be corrected."""
    assert connection.in_atomic_block, "the caller settles the invoice in the same transaction"
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("legal_entity", "customer__legal_entity", "payment_terms", "cash_discount")
        .get(pk=invoice.pk)
    )
    ensure_can_act(actor, invoice.legal_entity, field="invoice")
    what = f"Invoice {invoice.number or f'draft {invoice.pk}'}"
    if invoice.status == DocumentStatus.DRAFT:
        raise InvalidTransition(
            f"{what} is a draft: change it instead; only a posted invoice is corrected.",
            field="status",
        )
    if invoice.status != DocumentStatus.POSTED:
        raise InvalidTransition(
            f"{what} is {invoice.get_status_display().lower()}: only a posted invoice is "
            "corrected.",
            field="status",
        )
    existing = (
        InvoiceCorrection.objects.filter(original=invoice)
        .select_related("credit_note", "correcting_invoice")
        .first()
    )
    if existing is not None:
        raise InvoiceAlreadyCorrected(
            f"{what} was already corrected on {existing.date} by credit note "
            f"{existing.credit_note.number}"
            + (
                f", with invoice {existing.correcting_invoice} to replace it."
                if existing.correcting_invoice is not None
                else "."
            ),
            field="invoice",
        )
    if on < invoice.date:
        raise InvalidInput(
            f"The correction date {on} is before the invoice date {invoice.date}.", field="date"
        )
    ot_id = OpenTransaction.objects.values_list("pk", flat=True).get(invoice=invoice)
    open_transaction = open_transactions_for_update([ot_id])[ot_id]
    for guard in _guards:
        reason = guard(invoice, open_transaction)
        if reason:
            raise DocumentSettled(reason, field="invoice")
    if open_transaction.open_amount != open_transaction.amount:
        settled = open_transaction.amount - open_transaction.open_amount
        raise DocumentSettled(
            f"{what} is settled ({format_amount(settled, invoice.currency)} of "
            f"{format_amount(invoice.total, invoice.currency)}): only an invoice nothing has "
            "settled is corrected.",
            field="invoice",
        )
    credit_note = credit_note_post(
        credit_note=_credit_note_of(invoice, on=on, actor=actor), actor=actor
    )
    correcting = _copy_of(invoice, on=on, actor=actor)
    correction = InvoiceCorrection.objects.create(
        original=invoice,
        credit_note=credit_note,
        correcting_invoice=correcting,
        date=on,
        created_by=acting_user(actor),
    )
    audit_record(
        actor=actor,
        action="invoice.corrected",
        obj=invoice,
        changes={
            "credit_note": (None, credit_note.number),
            "correcting_invoice": (None, str(correcting)),
        },
        legal_entity=invoice.legal_entity,
    )
    return correction


def _credit_note_of(invoice: Invoice, *, on: date, actor: Actor) -> CreditNote:
    """A draft credit note mirroring ``invoice``: each line with the invoice line's amount and
    sales tax as they were posted (a sales tax code's percent changed since does not change
    what is credited), and its account: the line's own, else the revenue account the invoice
    posted to rather than sales returns, so that the credit note's voucher is the invoice's
    turned around."""
    revenue = posting_account(legal_entity=invoice.legal_entity, posting_type=PostingType.REVENUE)
    credit_note = CreditNote.objects.create(
        legal_entity=invoice.legal_entity,
        customer=invoice.customer,
        date=on,
        currency=invoice.currency,
        payment_terms=invoice.payment_terms,
        cash_discount=invoice.cash_discount,
        description=f"Correction of invoice {invoice.number}",
        total=invoice.total,
        tax_amount=invoice.tax_amount,
        invoice=invoice,
        created_by=acting_user(actor),
    )
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(
            credit_note=credit_note,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            sales_tax_code=line.sales_tax_code,
            tax_amount=line.tax_amount,
            account=line.account or revenue,
        )
        for line in invoice.lines.select_related("sales_tax_code", "account")
    )
    audit_record(
        actor=actor,
        action="creditnote.created",
        obj=credit_note,
        legal_entity=invoice.legal_entity,
    )
    return credit_note


def _copy_of(invoice: Invoice, *, on: date, actor: Actor) -> Invoice:
    """A draft invoice copying ``invoice`` on ``on``: the clerk changes it and posts it."""
    lines: list[InvoiceLine] = list(invoice.lines.select_related("sales_tax_code", "account"))
    return _create(
        Invoice,
        InvoiceLine,
        "invoice",
        DocumentInput(
            legal_entity=invoice.legal_entity,
            customer=invoice.customer,
            date=on,
            currency=invoice.currency,
            payment_terms=invoice.payment_terms,
            cash_discount=invoice.cash_discount,
            description=invoice.description,
            lines=[
                DocumentLineInput(
                    description=line.description,
                    amount=line.amount if line.unit_price is None else None,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    sales_tax_code=line.sales_tax_code,
                    account=line.account,
                )
                for line in lines
            ],
        ),
        actor,
    )
