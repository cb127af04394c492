"""Settling from a payment journal: the open debits a journal line marks are settled against
the payment the line posted, in the journal's own transaction (the receivables room posts the
journal and calls this for its marked lines), so that a refused settlement posts no payment of
the journal either."""

from core.audit import Actor
from core.errors import ApplicationError
from receivables.models import OpenTransaction
from receivables.services import MarkedLine, settle_error_on_line

from .create import settlement_create
from .plan import SettlementLineInput


def payment_journal_settle(*, lines: list[MarkedLine], actor: Actor) -> None:
    """One settlement per marked line, on the payment's date: the payment and what it marks."""
    credits = dict(
        OpenTransaction.objects.filter(payment__in=[line.payment for line in lines]).values_list(
            "payment_id", "pk"
        )
    )
    for line in lines:
        marks = [
            SettlementLineInput(transaction=mark.open_transaction_id, amount=mark.amount)
            for mark in line.marks
        ]
        try:
            settlement_create(
                lines=[SettlementLineInput(transaction=credits[line.payment.pk]), *marks],
                on=line.on,
                primary=None,
                actor=actor,
            )
        except ApplicationError as error:
            raise settle_error_on_line(error, line.position) from None
