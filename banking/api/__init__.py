"""REST API of the banking room (SPEC section 7): bank accounts with their reconciliation,
statements (import, match, post), statement lines (review, change, post), card payments
(authorize, capture, void, refund) and SEPA direct debits (mandates, collection runs)."""

from .accounts import BankAccountViewSet, CsvMappingViewSet
from .cards import CardPaymentViewSet
from .direct_debits import DirectDebitCollectionViewSet, DirectDebitMandateViewSet
from .lines import BankStatementLineViewSet
from .statements import BankStatementViewSet

__all__ = [
    "BankAccountViewSet",
    "BankStatementLineViewSet",
    "BankStatementViewSet",
    "CardPaymentViewSet",
    "CsvMappingViewSet",
    "DirectDebitCollectionViewSet",
    "DirectDebitMandateViewSet",
]
