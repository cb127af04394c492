"""Banking: the legal entities' bank accounts, imported statements and their lines, and bills
of exchange."""

from .accounts import BankAccount, CsvMapping
from .bills import BillOfExchange, BillOfExchangeStep, BillOfExchangeTransaction
from .statements import BankStatement, BankStatementLine

__all__ = [
    "BankAccount",
    "BankStatement",
    "BankStatementLine",
    "BillOfExchange",
    "BillOfExchangeStep",
    "BillOfExchangeTransaction",
    "CsvMapping",
]
