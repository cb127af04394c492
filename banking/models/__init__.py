"""Banking: the legal entities' bank accounts, imported statements and their lines, card
payments."""

from .accounts import BankAccount, CsvMapping
from .cards import CardClearingAccount, CardGatewayEvent, CardPayment, CardRefund
from .statements import BankStatement, BankStatementLine

__all__ = [
    "BankAccount",
    "BankStatement",
    "BankStatementLine",
    "CardClearingAccount",
    "CardGatewayEvent",
    "CardPayment",
    "CardRefund",
    "CsvMapping",
]
