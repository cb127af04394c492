"""Writes of the receivables room: documents (invoices, credit notes), payments and the open
transactions their posting creates."""

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
from .payments import PaymentInput, payment_create, payment_reverse, payments_post, refund_post

__all__ = [
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
