"""Banking: the legal entities' bank accounts, imported statements and their lines."""

from .accounts import BankAccount, CsvMapping
from .statements import BankStatement, BankStatementLine

__all__ = ["BankAccount", "BankStatement", "BankStatementLine", "CsvMapping"]
