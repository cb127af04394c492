"""Receivables documents and the open transactions they create.

Free-text invoices and credit notes (with lines), customer payments (optionally entered together in
a payment journal), and one ``OpenTransaction`` per posted document: the sub-ledger row that
settlement closes. Documents are drafts until posted and never edited after; a posted invoice is
corrected by a credit note, a posted payment by a reversal. The codes they use (terms of
payment, cash discounts, sales tax, interest) are in ``codes``.
"""

from .codes import (
    CashDiscount,
    CashDiscountPeriod,
    InterestCode,
    InterestCurrency,
    InterestRange,
    PaymentTerms,
    SalesTaxCode,
)
from .documents import (
    CreditNote,
    CreditNoteLine,
    DocumentLine,
    DocumentStatus,
    Invoice,
    InvoiceCorrection,
    InvoiceLine,
    Payment,
    PaymentJournal,
    Refund,
    SalesDocument,
)
from .interest import InterestNote, InterestNoteLine
from .journals import PaymentJournalLine, PaymentJournalMark
from .open_transactions import OpenTransaction, OpenTransactionDiscount
from .recurring import (
    RecurringInvoiceAssignment,
    RecurringInvoiceOccurrence,
    RecurringInvoiceTemplate,
    RecurringInvoiceTemplateLine,
)

__all__ = [
    "CashDiscount",
    "CashDiscountPeriod",
    "CreditNote",
    "CreditNoteLine",
    "DocumentLine",
    "DocumentStatus",
    "InterestCode",
    "InterestCurrency",
    "InterestNote",
    "InterestNoteLine",
    "InterestRange",
    "Invoice",
    "InvoiceCorrection",
    "InvoiceLine",
    "OpenTransaction",
    "OpenTransactionDiscount",
    "Payment",
    "PaymentJournal",
    "PaymentJournalLine",
    "PaymentJournalMark",
    "PaymentTerms",
    "RecurringInvoiceAssignment",
    "RecurringInvoiceOccurrence",
    "RecurringInvoiceTemplate",
    "RecurringInvoiceTemplateLine",
    "Refund",
    "SalesDocument",
    "SalesTaxCode",
]
