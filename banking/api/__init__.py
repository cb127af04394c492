"""REST API of the banking room (SPEC section 7): bank accounts with their reconciliation,
statements (import, match, post) and statement lines (review, change, post)."""

from .accounts import BankAccountViewSet, CsvMappingViewSet
from .lines import BankStatementLineViewSet
from .statements import BankStatementViewSet

__all__ = [
    "BankAccountViewSet",
    "BankStatementLineViewSet",
    "BankStatementViewSet",
    "CsvMappingViewSet",
]
