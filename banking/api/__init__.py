"""REST API of the banking room (SPEC section 7): bank accounts with their reconciliation,
statements (import, match, post), statement lines (review, change, post), card payments
(authorize, capture, void, refund), SEPA direct debits (mandates, collection runs) and
bills of exchange (draw, the steps, reverse)."""

from .accounts import BankAccountViewSet, CsvMappingViewSet
from .bills import BillOfExchangeViewSet
from .cards import CardPaymentViewSet
from .direct_debits import DirectDebitCollectionViewSet, DirectDebitMandateViewSet
from .lines import BankStatementLineViewSet
from .statements import BankStatementViewSet

__all__ = [
    "BankAccountViewSet",
    "BankStatementLineViewSet",
    "BankStatementViewSet",
    "CardPaymentViewSet",
    "BillOfExchangeViewSet",
    "CsvMappingViewSet",
    "DirectDebitCollectionViewSet",
    "DirectDebitMandateViewSet",
]
