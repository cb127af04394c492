"""Banking: the legal entities' bank accounts, imported statements and their lines, card
payments, SEPA direct debits (mandates, collection runs, the payments they collected) and
bills of exchange."""

from .accounts import BankAccount, CsvMapping
from .bills import BillOfExchange, BillOfExchangeStep, BillOfExchangeTransaction
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
    "BillOfExchange",
    "BillOfExchangeStep",
    "BillOfExchangeTransaction",
]
