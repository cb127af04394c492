"""Errors of the settlement room."""

from core.errors import ApplicationError, Conflict
from core.money import format_amount


class SettlementInvalid(ApplicationError):
    code = "settlement_invalid"


class SettlementConflict(Conflict):
    code = "settlement_conflict"


class SettlementAlreadyReversed(Conflict):
    code = "settlement_already_reversed"


class TransactionChanged(Conflict):
    """A marked transaction was settled by someone else since the client read it: its open
    amount is now smaller (or zero). The client reads it again and decides."""

    code = "transaction_changed"

    def __init__(
        self, message: str, *, transaction: int, document_number: str, open_amount, currency: str
    ):
        super().__init__(
            message,
            field="lines",
            extra={
                "transaction": transaction,
                "document_number": document_number,
                "open_amount": format_amount(open_amount, currency),  # signed, debit positive
                "currency": currency,
            },
        )
