"""Banking: the legal entities' bank accounts, imported statements and their lines, card
payments, and SEPA direct debits (mandates, collection runs, the payments they collected)."""

from .accounts import BankAccount, CsvMapping
from .cards import CardClearingAccount, CardGatewayEvent, CardPayment, CardRefund
from .direct_debits import (
    DirectDebitCollection,
    DirectDebitMandate,
    DirectDebitPayment,
    SequenceType,
)
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
    "DirectDebitCollection",
    "DirectDebitMandate",
    "DirectDebitPayment",
    "SequenceType",
]
