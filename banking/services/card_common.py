"""What the card payment services share: the one map of status changes, the gateway call and
its record, the locked read, the amount checks, and the account card money moves on."""

from datetime import date
from decimal import Decimal

from core.audit import Actor, acting_user, audit_record
from core.money import format_amount, has_valid_precision
from receivables.models import Payment
from receivables.services import PaymentInput

from ..cards import GatewayResult
from ..exceptions import CardPaymentInvalid
from ..models import CardClearingAccount, CardGatewayEvent, CardPayment

Status = CardPayment.Status

# The one map of allowed status changes (None: a new card payment).
TRANSITIONS: dict[str | None, set[str]] = {
    None: {Status.AUTHORIZED, Status.DECLINED, Status.FAILED},
    Status.AUTHORIZED: {Status.CAPTURED, Status.VOIDED, Status.DECLINED, Status.FAILED},
    Status.CAPTURED: {Status.PARTIALLY_REFUNDED, Status.REFUNDED},
    Status.PARTIALLY_REFUNDED: {Status.PARTIALLY_REFUNDED, Status.REFUNDED},
    Status.REFUNDED: set(),
    Status.VOIDED: set(),
    Status.DECLINED: set(),
    Status.FAILED: set(),
}


def transition(card_payment: CardPayment, to: str, *, action: str) -> None:
    if to not in TRANSITIONS[card_payment.status]:
        raise CardPaymentInvalid(
            f"Card payment {card_payment.pk} is {card_payment.get_status_display().lower()}: "
            f"it cannot be {action}.",
            field="status",
        )
    card_payment.status = to


def status_of_refusal(result: GatewayResult) -> str:
    return Status.FAILED if result.failed else Status.DECLINED


def gateway_call(call, **kwargs) -> GatewayResult:
    """The gateway's answer; a gateway that breaks its contract and raises is a failure."""
    try:
        return call(**kwargs)
    except Exception as error:  # noqa: BLE001 - any gateway crash is an answer to record
        return GatewayResult(
            approved=False, code="gateway_error", message=f"The gateway did not answer: {error}"
        )


def event(
    card_payment: CardPayment,
    operation: str,
    result: GatewayResult,
    *,
    amount: Decimal | None,
    reference: str,
    actor: Actor,
    posting_error: str = "",
) -> CardGatewayEvent:
    return CardGatewayEvent.objects.create(
        card_payment=card_payment,
        operation=operation,
        amount=amount,
        currency=card_payment.currency,
        reference=reference,
        approved=result.approved,
        code=result.code[:60],
        message=result.message[:300],
        gateway_reference=result.gateway_reference[:200],
        posting_error=posting_error[:2000],
        created_by=user(actor),
    )


user = acting_user  # the author recorded on a card payment or refund


def locked(pk: int) -> CardPayment:
    return (
        CardPayment.objects.select_for_update(of=("self",))
        .select_related("legal_entity", "customer", "open_transaction")
        .get(pk=pk)
    )


def check_amount(amount: Decimal | None, currency: str, *, at_most: Decimal, what: str) -> None:
    if amount is None or amount <= 0:
        raise CardPaymentInvalid("The amount must be greater than zero.", field="amount")
    if not has_valid_precision(amount, currency):
        raise CardPaymentInvalid(
            f"{amount} has more decimals than {currency} allows.", field="amount"
        )
    if amount > at_most:
        raise CardPaymentInvalid(
            f"The amount {format_amount(amount, currency)} is above {what} "
            f"{format_amount(at_most, currency)} {currency}.",
            field="amount",
        )


def clearing_of(card_payment: CardPayment) -> CardClearingAccount | None:
    return (
        CardClearingAccount.objects.select_related("bank_account__main_account")
        .filter(legal_entity_id=card_payment.legal_entity_id)
        .first()
    )


def money_input(card_payment: CardPayment, amount: Decimal, on: date, reference: str):
    clearing = clearing_of(card_payment)
    return PaymentInput(
        legal_entity=card_payment.legal_entity,
        customer=card_payment.customer,
        date=on,
        amount=amount,
        currency=card_payment.currency,
        method=Payment.Method.CARD,
        reference=f"{card_payment.brand} {card_payment.last4} {reference}".strip()[:60],
        bank_account=clearing.bank_account.code if clearing else "",
        bank_ledger_account=clearing.bank_account.main_account if clearing else None,
    )


def audit(card_payment: CardPayment, old: str, actor: Actor, **more) -> None:
    audit_record(
        actor=actor,
        action=f"card_payment.{card_payment.status}",
        obj=card_payment,
        changes={"status": (old, card_payment.status), **{k: (None, v) for k, v in more.items()}},
        legal_entity=card_payment.legal_entity,
    )
