"""REST API of the receivables room, one module per resource: invoices and credit notes
(``api_documents``), payments (``api_payments``), payment journals (``api_journals``), open
transactions (``api_open_transactions``); setup codes are in ``api_codes``, scheduled work in
``api_scheduled``. This module names the viewsets the router registers."""

from .api_documents import CreditNoteViewSet, InvoiceViewSet
from .api_journals import PaymentJournalViewSet
from .api_open_transactions import OpenTransactionViewSet
from .api_payments import PaymentViewSet

__all__ = [
    "CreditNoteViewSet",
    "InvoiceViewSet",
    "OpenTransactionViewSet",
    "PaymentJournalViewSet",
    "PaymentViewSet",
]
