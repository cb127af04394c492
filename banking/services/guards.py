"""What the instruments own: a payment a bill of exchange, a card or a direct debit collection
posted, and the settlements they made, are reversed by that instrument (a bill's reversal, a
card refund, a returned debit on a bank statement), never on the payments or settlements pages,
where the money the bank or the gateway moved would be forgotten. And an invoice a card
payment holds (authorized, or captured by the gateway but not posted yet) is not corrected:
its capture could no longer post. Registered with receivables and settlement when the app is
ready."""

from django.db.models import Q

from receivables.models import Invoice, OpenTransaction, Payment
from settlement.models import Settlement

from ..models import BillOfExchange, CardPayment, CardRefund, DirectDebitPayment


def payment_owner(payment: Payment) -> str | None:
    bill = BillOfExchange.objects.filter(payment=payment).first()
    if bill is not None:
        return (
            f"Payment {payment.number} is bill of exchange {bill.number}'s: reverse the bill's "
            "steps on its page instead."
        )
    card = CardPayment.objects.filter(payment=payment).first()
    if card is not None:
        return (
            f"Payment {payment.number} is a card payment captured by the gateway: refund it on "
            f"card payment {card.pk} instead."
        )
    if DirectDebitPayment.objects.filter(payment=payment).exists():
        return (
            f"Payment {payment.number} was collected by direct debit: it is reversed when the "
            "bank returns it (a returned debit on a bank statement)."
        )
    return None


def settlement_owner(settlement: Settlement) -> str | None:
    bill = BillOfExchange.objects.filter(settlement=settlement).first()
    if bill is not None:
        return (
            f"Settlement {settlement.pk} is bill of exchange {bill.number}'s draw: reverse the "
            "bill's steps on its page instead."
        )
    if (
        CardPayment.objects.filter(settlement=settlement).exists()
        or CardRefund.objects.filter(settlement=settlement).exists()
    ):
        return (
            f"Settlement {settlement.pk} is a card payment's: the gateway moved the money; "
            "refund the card payment instead."
        )
    collected = DirectDebitPayment.objects.filter(
        payment__in=Payment.objects.filter(
            open_transaction__settlement_lines__settlement=settlement
        )
    )
    if collected.exists():
        return (
            f"Settlement {settlement.pk} settled a direct debit collection: it is reversed when "
            "the bank returns the debit."
        )
    return None


def invoice_card_hold(invoice: Invoice, open_transaction: OpenTransaction) -> str | None:
    """An invoice a card payment holds money for is not corrected: capture or void it first."""
    held = (
        CardPayment.objects.filter(open_transaction=open_transaction, payment__isnull=True)
        .filter(Q(status=CardPayment.Status.AUTHORIZED) | ~Q(capture_reference=""))
        .order_by("pk")
        .first()
    )
    if held is None:
        return None
    return (
        f"Invoice {invoice.number} is held by card payment {held.pk} "
        f"({held.get_status_display().lower()}): capture or void it first."
    )
