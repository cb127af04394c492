"""Writes of the receivables room: the codes (cash discounts, interest codes), documents
(invoices, credit notes), payments and the open transactions their posting creates."""

from .ar_close import ar_close
from .codes import (
    CashDiscountPeriodInput,
    InterestCurrencyInput,
    InterestRangeInput,
    cash_discount_save,
    interest_code_save,
)
from .corrections import invoice_correct_guard_register, invoice_correction_create
from .document_posting import credit_note_post, invoice_post
from .documents import (
    DocumentInput,
    DocumentLineInput,
    DocumentPreview,
    credit_note_create,
    document_delete,
    document_preview,
    document_update,
    invoice_create,
)
from .entry import document_save, payment_journal_post
from .interest import (
    interest_note_post,
    interest_note_reinstate,
    interest_note_reverse,
    interest_note_waive,
)
from .interest_run import interest_notes_create
from .journals import (
    JournalCheck,
    JournalLineInput,
    JournalMarkInput,
    MarkedLine,
    journal_create,
    journal_delete,
    journal_line_add,
    journal_line_delete,
    journal_line_update,
    journal_post,
    journal_settler_register,
    journal_update,
    journal_validate,
    settle_error_on_line,
)
from .open_debits import open_debit_create, open_debit_reverse
from .open_transactions import (
    OpenAmountChange,
    accounting_amount_taken,
    open_transaction_disputed_set,
    open_transaction_reduce,
    open_transaction_restore,
)
from .payments import (
    PaymentInput,
    payment_create,
    payment_reverse,
    payment_reverse_guard_register,
    payments_post,
    refund_post,
)
from .recurring import TemplateLineInput, recurring_assignment_save, recurring_template_save
from .recurring_generate import recurring_invoices_generate

__all__ = [
    "ar_close",
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
    "OpenAmountChange",
    "PaymentInput",
    "accounting_amount_taken",
    "open_debit_create",
    "open_debit_reverse",
    "open_transaction_disputed_set",
    "open_transaction_reduce",
    "open_transaction_restore",
    "credit_note_create",
    "credit_note_post",
    "document_delete",
    "document_preview",
    "document_save",
    "document_update",
    "invoice_create",
    "invoice_correct_guard_register",
    "invoice_correction_create",
    "invoice_post",
    "payment_create",
    "payment_journal_post",
    "JournalCheck",
    "JournalLineInput",
    "JournalMarkInput",
    "MarkedLine",
    "journal_create",
    "journal_delete",
    "journal_line_add",
    "journal_line_delete",
    "journal_line_update",
    "journal_post",
    "journal_settler_register",
    "journal_update",
    "journal_validate",
    "settle_error_on_line",
    "payment_reverse",
    "payment_reverse_guard_register",
    "payments_post",
    "refund_post",
]
