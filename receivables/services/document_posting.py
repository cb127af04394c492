"""Posting invoices and credit notes: a draft gets its number, its voucher (customer balance
against revenue or sales returns, and sales tax, per line), its open transaction with the cash
discount schedule it offers, and an audit row, in one database transaction."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.audit import Actor, audit_record
from core.money import ZERO, convert, format_amount
from entities.selectors import RateBook
from entities.services import ensure_can_act
from ledger.models import PostingType, Voucher
from ledger.services import VoucherInput, VoucherLineInput, numbers_take, voucher_post

from ..discounts import discount_applies, posting_schedule, schedule_rows
from ..exceptions import InvalidDocument
from ..models import (
    CreditNote,
    DocumentStatus,
    Invoice,
    OpenTransaction,
    OpenTransactionDiscount,
    SalesDocument,
)
from ..selectors import open_transactions_matching_for_update
from .common import check_customer, due_date_for, open_transaction_build, transition


@transaction.atomic
def invoice_post(*, invoice: Invoice, actor: Actor) -> Invoice:
    """Post a draft invoice: number, voucher and open transaction, in one transaction."""
    return _post(invoice, kind=OpenTransaction.Kind.INVOICE, actor=actor)


@transaction.atomic
def credit_note_post(*, credit_note: CreditNote, actor: Actor) -> CreditNote:
    """Post a draft credit note: number, voucher and open transaction, in one transaction."""
    return _post(credit_note, kind=OpenTransaction.Kind.CREDIT_NOTE, actor=actor)


def _post(document: SalesDocument, *, kind: str, actor: Actor) -> SalesDocument:
    """Number, voucher and open transaction of a draft, in the caller's transaction."""
    model = type(document)
    document = (
        model.objects.select_for_update(of=("self",))
        .select_related("legal_entity", "customer__legal_entity", "cash_discount")
        .get(pk=document.pk)
    )
    entity = document.legal_entity
    ensure_can_act(actor, entity)
    transition(document, DocumentStatus.POSTED)
    check_customer(document.customer, entity)
    is_invoice = kind == OpenTransaction.Kind.INVOICE
    lines = list(document.lines.select_related("account"))
    if kind == OpenTransaction.Kind.CREDIT_NOTE and document.invoice_id is not None:
        _check_credit_note_limit(document)
    voucher_lines = _voucher_lines(document, lines, is_invoice=is_invoice)
    rates = RateBook()
    rate = rates.get(document.currency, entity.accounting_currency, document.date)
    sequence = "invoice" if is_invoice else "credit_note"
    (document.number,) = numbers_take(
        legal_entity=entity,
        name=sequence,
        prefix=f"{entity.code}-{'INV' if is_invoice else 'CN'}",
    )
    voucher = voucher_post(
        voucher=VoucherInput(
            legal_entity=entity,
            date=document.date,
            lines=voucher_lines,
            description=f"{'Invoice' if is_invoice else 'Credit note'} {document.number}",
            source_key=f"{sequence}:{document.pk}",
            balance_rounding=True,
        ),
        actor=actor,
        rates=rates,
    )
    document.due_date = due_date_for(document.date, document.payment_terms, document.due_date)
    document.voucher = voucher
    document.posted_at = timezone.now()
    document.save(update_fields=["number", "status", "due_date", "voucher", "posted_at"])
    _open_transaction_create(document, kind=kind, voucher=voucher, rate=rate)
    audit_record(
        actor=actor,
        action=f"{sequence}.posted",
        obj=document,
        changes={
            "status": (DocumentStatus.DRAFT, DocumentStatus.POSTED),
            "number": (None, document.number),
        },
        legal_entity=entity,
    )
    return document


def _voucher_lines(document: SalesDocument, lines: list, *, is_invoice: bool):
    """Customer balance for the total; revenue (or sales returns) and sales tax per line."""
    sign = 1 if is_invoice else -1
    currency = document.currency
    voucher_lines = [
        VoucherLineInput(
            posting_type=PostingType.CUSTOMER_BALANCE,
            currency=currency,
            amount=sign * document.total,
            customer=document.customer,
            description=document.description,
        )
    ]
    for line in lines:
        voucher_lines.append(
            VoucherLineInput(
                posting_type=PostingType.REVENUE if is_invoice else PostingType.SALES_RETURNS,
                currency=currency,
                amount=-sign * line.amount,
                account=line.account,
                description=line.description,
            )
        )
        if line.tax_amount:
            voucher_lines.append(
                VoucherLineInput(
                    posting_type=PostingType.SALES_TAX,
                    currency=currency,
                    amount=-sign * line.tax_amount,
                    description=f"{line.sales_tax_code.code if line.sales_tax_code_id else ''} "
                    f"{line.description}".strip(),
                )
            )
    return voucher_lines


def _open_transaction_create(document: SalesDocument, *, kind: str, voucher: Voucher, rate):
    """The posted document's open transaction and the cash discount schedule it offers."""
    entity = document.legal_entity
    is_invoice = kind == OpenTransaction.Kind.INVOICE
    sign = 1 if is_invoice else -1
    schedule = posting_schedule(
        cash_discount=document.cash_discount,
        is_invoice=is_invoice,
        entity=entity,
        on=document.date,
        amount_before_tax=document.amount_before_tax,
        total=document.total,
        currency=document.currency,
    )
    takes_discount = discount_applies(
        is_invoice=is_invoice, on_credit_notes=entity.cash_discount_on_credit_notes
    )
    open_transaction = open_transaction_build(
        kind=kind,
        legal_entity=entity,
        customer=document.customer,
        voucher=voucher,
        document_number=document.number,
        on=document.date,
        due_date=document.due_date,
        currency=document.currency,
        rate=rate,
        amount=sign * document.total,
        accounting_amount=sign * convert(document.total, rate, entity.accounting_currency),
        amount_before_tax=sign * document.amount_before_tax,
        cash_discount=document.cash_discount if takes_discount else None,
        **{kind: document},
    )
    open_transaction.save()
    OpenTransactionDiscount.objects.bulk_create(schedule_rows(open_transaction, schedule, sign))


def _check_credit_note_limit(credit_note: CreditNote) -> None:
    entity = credit_note.legal_entity
    if not entity.credit_note_limited_to_invoice_open:
        return
    invoice_open = (
        open_transactions_matching_for_update(
            OpenTransaction.objects.filter(invoice_id=credit_note.invoice_id)
        )
        .values_list("open_amount", flat=True)
        .first()
    ) or ZERO
    if credit_note.total > invoice_open:
        raise InvalidDocument(
            gettext(
                "The credit note (%(total)s) is larger than the open amount of the invoice it "
                "corrects (%(open)s)."
            )
            % {
                "total": format_amount(credit_note.total, credit_note.currency),
                "open": format_amount(invoice_open, credit_note.currency),
            },
            field="invoice",
        )
