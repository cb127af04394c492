"""Writes of the receivables room: the codes (cash discounts, interest codes), documents
(invoices, credit notes), payments and the open transactions their posting creates."""

from .codes import (
    CashDiscountPeriodInput,
    InterestCurrencyInput,
    InterestRangeInput,
    cash_discount_save,
    interest_code_save,
)
from .documents import (
    DocumentInput,
    DocumentLineInput,
    DocumentPreview,
    credit_note_create,
    credit_note_post,
    document_delete,
    document_preview,
    document_update,
    invoice_create,
    invoice_post,
)
from .interest import (
    interest_note_post,
    interest_note_reinstate,
    interest_note_reverse,
    interest_note_waive,
    interest_notes_create,
)
from .payments import PaymentInput, payment_create, payment_reverse, payments_post, refund_post
from .recurring import (
    TemplateLineInput,
    recurring_assignment_save,
    recurring_invoices_generate,
    recurring_template_save,
)

__all__ = [
    "CashDiscountPeriodInput",
    "cash_discount_save",
    "InterestCurrencyInput",
    "InterestRangeInput",
    "TemplateLineInput",
    "interest_code_save",
    "interest_note_post",
    "interest_note_reinstate",
    "interest_note_reverse",
    "interest_note_waive",
    "interest_notes_create",
    "recurring_assignment_save",
    "recurring_invoices_generate",
    "recurring_template_save",
    "DocumentInput",
    "DocumentLineInput",
    "DocumentPreview",
    "PaymentInput",
    "credit_note_create",
    "credit_note_post",
    "document_delete",
    "document_preview",
    "document_update",
    "invoice_create",
    "invoice_post",
    "payment_create",
    "payment_reverse",
    "payments_post",
    "refund_post",
]
