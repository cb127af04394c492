"""REST API of the banking room (SPEC section 7): bank accounts with their reconciliation,
statements (import, match, post), statement lines (review, change, post) and bills of
exchange (draw, the steps, reverse)."""

from .accounts import BankAccountViewSet, CsvMappingViewSet
from .bills import BillOfExchangeViewSet
from .lines import BankStatementLineViewSet
from .statements import BankStatementViewSet

__all__ = [
    "BankAccountViewSet",
    "BankStatementLineViewSet",
    "BankStatementViewSet",
    "BillOfExchangeViewSet",
    "CsvMappingViewSet",
]
