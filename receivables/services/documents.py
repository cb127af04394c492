"""Free-text invoices and credit notes as drafts: their input, line amounts and preview, and
creating, changing and deleting a draft. Posting one is ``document_posting``'s.

Posting an invoice: customer balance Dr total / revenue Cr per line / sales tax Cr per line.
A credit note: sales returns Dr per line / sales tax Dr per line / customer balance Cr total.
Each line is converted once at the document date's rate; a cent left by converting line by line
goes to the rounding account, so the voucher balances in both currencies.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext

from core.audit import Actor, audit_record
from core.errors import InvalidInput
from core.money import ZERO, has_valid_precision, quantize
from entities.models import Customer, LegalEntity
from entities.services import ensure_can_act
from ledger.models import MainAccount

from ..discounts import ScheduledDiscount, posting_schedule
from ..exceptions import InvalidTransition
from ..models import (
    CashDiscount,
    CreditNote,
    CreditNoteLine,
    DocumentStatus,
    Invoice,
    InvoiceLine,
    PaymentTerms,
    SalesDocument,
    SalesTaxCode,
)
from .common import (
    check_currency_amount,
    check_customer,
    document_name,
    due_date_for,
)


@dataclass(frozen=True)
class DocumentLineInput:
    description: str
    amount: Decimal | None = None
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None
    sales_tax_code: SalesTaxCode | None = None
    account: MainAccount | None = None


@dataclass(frozen=True)
class DocumentInput:
    legal_entity: LegalEntity
    customer: Customer
    date: date
    lines: list[DocumentLineInput] = field(default_factory=list)
    currency: str | None = None
    payment_terms: PaymentTerms | None = None
    cash_discount: CashDiscount | None = None
    due_date: date | None = None
    description: str = ""
    invoice: Invoice | None = None  # the invoice a credit note corrects


def _line_amounts(line: DocumentLineInput, currency: str, index: int) -> tuple[Decimal, Decimal]:
    """(amount before tax, tax) of a line, each rounded once to the currency."""
    where = {"index": index}
    if not line.description.strip():
        raise InvalidInput(
            gettext("lines[%(index)s]: a description is required.") % where, field="lines"
        )
    if line.quantity is None or line.quantity <= 0:
        raise InvalidInput(
            gettext("lines[%(index)s]: the quantity must be greater than zero.") % where,
            field="lines",
        )
    for value in (line.unit_price, line.amount):
        if value is not None and not has_valid_precision(value, currency):
            raise InvalidInput(
                gettext("lines[%(index)s]: %(amount)s has more decimals than %(currency)s allows.")
                % {**where, "amount": value, "currency": currency},
                field="lines",
            )
    if line.amount is not None:
        amount = line.amount
    elif line.unit_price is not None:
        amount = quantize(line.quantity * line.unit_price, currency)
    else:
        raise InvalidInput(
            gettext("lines[%(index)s]: give an amount or a unit price.") % where, field="lines"
        )
    if amount <= 0:
        raise InvalidInput(
            gettext("lines[%(index)s]: the amount must be greater than zero.") % where,
            field="lines",
        )
    percent = line.sales_tax_code.percent if line.sales_tax_code else ZERO
    return amount, quantize(amount * percent / 100, currency)


@dataclass(frozen=True)
class DocumentPreview:
    """What posting would give, shown while a document is being entered."""

    currency: str
    lines: list[tuple[Decimal, Decimal]]  # (amount, tax) per line
    amount_before_tax: Decimal
    tax_amount: Decimal
    total: Decimal
    due_date: date
    cash_discounts: list[ScheduledDiscount]


def document_preview(*, data: DocumentInput, credit_note: bool = False) -> DocumentPreview:
    """Totals, due date and cash discount dates of a document not yet saved (raises the same
    errors as creating it)."""
    currency = _validate(data, None)
    amounts = [_line_amounts(line, currency, i) for i, line in enumerate(data.lines)]
    before_tax = sum((a for a, _ in amounts), ZERO)
    tax = sum((t for _, t in amounts), ZERO)
    entity = data.legal_entity
    terms = data.payment_terms or data.customer.payment_terms
    cash_discount = (
        data.cash_discount
        or (data.invoice.cash_discount if credit_note and data.invoice else None)
        or (None if credit_note else data.customer.cash_discount)
    )
    return DocumentPreview(
        currency=currency,
        lines=amounts,
        amount_before_tax=before_tax,
        tax_amount=tax,
        total=before_tax + tax,
        due_date=due_date_for(data.date, terms, data.due_date),
        cash_discounts=posting_schedule(
            cash_discount=cash_discount,
            is_invoice=not credit_note,
            entity=entity,
            on=data.date,
            amount_before_tax=before_tax,
            total=before_tax + tax,
            currency=currency,
        ),
    )


def _validate(data: DocumentInput, actor: Actor) -> str:
    """Check a document's input; return its currency."""
    ensure_can_act(actor, data.legal_entity)
    check_customer(data.customer, data.legal_entity)
    currency = data.currency or data.customer.currency
    check_currency_amount(ZERO, currency, "currency")
    if not data.lines:
        raise InvalidInput(gettext("A document needs at least one line."), field="lines")
    if data.due_date is not None and data.due_date < data.date:
        raise InvalidInput(
            gettext("The due date cannot be before the document date."), field="due_date"
        )
    for index, line in enumerate(data.lines):
        _line_amounts(line, currency, index)
        if line.account is not None and line.account.legal_entity_id != data.legal_entity.pk:
            raise InvalidInput(
                gettext("lines[%(index)s]: account %(account)s is not in %(entity)s.")
                % {
                    "index": index,
                    "account": line.account.number,
                    "entity": data.legal_entity.code,
                },
                field="lines",
            )
    return currency


def _create(model, line_model, link: str, data: DocumentInput, actor: Actor, **extra):
    currency = _validate(data, actor)
    amounts = [_line_amounts(line, currency, i) for i, line in enumerate(data.lines)]
    document = model.objects.create(
        legal_entity=data.legal_entity,
        customer=data.customer,
        date=data.date,
        due_date=data.due_date,
        currency=currency,
        payment_terms=data.payment_terms or data.customer.payment_terms,
        cash_discount=data.cash_discount,
        description=data.description[:200],
        total=sum((a + t for a, t in amounts), ZERO),
        tax_amount=sum((t for _, t in amounts), ZERO),
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **extra,
    )
    line_model.objects.bulk_create(
        line_model(
            **{link: document},
            description=line.description[:200],
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=amount,
            sales_tax_code=line.sales_tax_code,
            tax_amount=tax,
            account=line.account,
        )
        for line, (amount, tax) in zip(data.lines, amounts, strict=True)
    )
    audit_record(
        actor=actor,
        action=f"{model._meta.model_name}.created",
        obj=document,
        legal_entity=data.legal_entity,
    )
    return document


def _lines_build(line_model, link: str, document, data: DocumentInput, currency: str) -> list:
    amounts = [_line_amounts(line, currency, i) for i, line in enumerate(data.lines)]
    return [
        line_model(
            **{link: document},
            description=line.description[:200],
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=amount,
            sales_tax_code=line.sales_tax_code,
            tax_amount=tax,
            account=line.account,
        )
        for line, (amount, tax) in zip(data.lines, amounts, strict=True)
    ]


def _draft_locked(document: SalesDocument, actor: Actor, verb: str) -> SalesDocument:
    document = (
        type(document)
        .objects.select_for_update(of=("self",))
        .select_related("legal_entity")
        .get(pk=document.pk)
    )
    ensure_can_act(actor, document.legal_entity)
    if document.status != DocumentStatus.DRAFT:
        values = {
            "document": document_name(document),
            "status": str(document.get_status_display()).lower(),
        }
        message = {
            "changed": gettext("%(document)s is %(status)s: it cannot be changed."),
            "deleted": gettext("%(document)s is %(status)s: it cannot be deleted."),
        }.get(verb, f"%(document)s is %(status)s: it cannot be {verb}.")
        raise InvalidTransition(message % values, field="status")
    return document


@transaction.atomic
def document_update(*, document: SalesDocument, data: DocumentInput, actor: Actor):
    """Replace a draft's header and lines (a posted document is never changed)."""
    document = _draft_locked(document, actor, "changed")
    if data.legal_entity.pk != document.legal_entity_id:
        raise InvalidInput(
            gettext("A document cannot move to another legal entity."), field="legal_entity"
        )
    is_credit_note = isinstance(document, CreditNote)
    if data.invoice is not None and not is_credit_note:
        raise InvalidInput(gettext("Only a credit note refers to an invoice."), field="invoice")
    currency = _validate(data, actor)
    line_model, link = (
        (CreditNoteLine, "credit_note") if is_credit_note else (InvoiceLine, "invoice")
    )
    lines = _lines_build(line_model, link, document, data, currency)
    before = {"customer": document.customer, "date": document.date, "total": document.total}
    document.customer = data.customer
    document.date = data.date
    document.due_date = data.due_date
    document.currency = currency
    document.payment_terms = data.payment_terms or data.customer.payment_terms
    document.cash_discount = data.cash_discount or (
        None if is_credit_note else data.customer.cash_discount
    )
    document.description = data.description[:200]
    document.total = sum((x.amount + x.tax_amount for x in lines), ZERO)
    document.tax_amount = sum((x.tax_amount for x in lines), ZERO)
    if is_credit_note:
        document.invoice = data.invoice
    document.save()
    document.lines.all().delete()
    line_model.objects.bulk_create(lines)
    after = {"customer": document.customer, "date": document.date, "total": document.total}
    audit_record(
        actor=actor,
        action=f"{document._meta.model_name}.changed",
        obj=document,
        changes={k: (before[k], after[k]) for k in before if before[k] != after[k]},
        legal_entity=document.legal_entity,
        currency=document.currency,
    )
    return document


@transaction.atomic
def document_delete(*, document: SalesDocument, actor: Actor) -> None:
    """Delete a draft (a posted document is corrected by a credit note instead)."""
    document = _draft_locked(document, actor, "deleted")
    audit_record(
        actor=actor,
        action=f"{document._meta.model_name}.deleted",
        obj=document,
        changes={"status": (document.status, None)},
        legal_entity=document.legal_entity,
    )
    document.lines.all().delete()
    document.delete()


@transaction.atomic
def invoice_create(*, data: DocumentInput, actor: Actor) -> Invoice:
    """A draft free-text invoice; terms default to the customer's."""
    if data.invoice is not None:
        raise InvalidInput(gettext("Only a credit note refers to an invoice."), field="invoice")
    cash_discount = data.cash_discount or data.customer.cash_discount
    return _create(Invoice, InvoiceLine, "invoice", _with(data, cash_discount=cash_discount), actor)


@transaction.atomic
def credit_note_create(*, data: DocumentInput, actor: Actor) -> CreditNote:
    """A draft credit note, optionally correcting a posted invoice of the same customer."""
    original = data.invoice
    if original is not None:
        if original.status != DocumentStatus.POSTED:
            raise InvalidInput(gettext("The corrected invoice is not posted."), field="invoice")
        if original.customer_id != data.customer.pk:
            raise InvalidInput(
                gettext("Invoice %(invoice)s belongs to another customer.")
                % {"invoice": original.number},
                field="invoice",
            )
    cash_discount = data.cash_discount or (original.cash_discount if original else None)
    return _create(
        CreditNote,
        CreditNoteLine,
        "credit_note",
        _with(data, cash_discount=cash_discount),
        actor,
        invoice=original,
    )


def _with(data: DocumentInput, **changes) -> DocumentInput:
    from dataclasses import replace

    return replace(data, **changes)
