"""Refunds of captured card payments (see ``banking.services.cards`` for what the ledger shows).

The gateway is asked first, with a reference numbered by the refunds already posted: a refund
retried (after a crash, or twice at once) carries the same reference, so the gateway moves the
money once and the gateway's reference, unique per card payment, posts it once."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.audit import Actor
from core.errors import ApplicationError
from core.money import format_amount
from entities.services import ensure_can_act
from receivables.models import OpenTransaction
from receivables.services import refund_post
from settlement.services import SettlementLineInput, settlement_create

from ..cards import GatewayResult, gateway_get
from ..exceptions import CardGatewayRefused, CardPaymentInvalid
from ..models import CardGatewayEvent, CardPayment, CardRefund
from .card_common import (
    TRANSITIONS,
    Status,
    audit,
    check_amount,
    event,
    gateway_call,
    locked,
    money_input,
    transition,
    user,
)
from .recorded import recorded_in_english

Operation = CardGatewayEvent.Operation


def _credit_check(card_payment: CardPayment, credit_id: int, amount: Decimal) -> OpenTransaction:
    credit = OpenTransaction.objects.filter(pk=credit_id).first()
    if credit is None or credit.legal_entity_id != card_payment.legal_entity_id:
        raise CardPaymentInvalid(f"Open transaction {credit_id} does not exist.", field="credit")
    if credit.customer_id != card_payment.customer_id or credit.currency != card_payment.currency:
        raise CardPaymentInvalid(
            f"{credit.document_number} is not a credit of the card payment's customer in "
            f"{card_payment.currency}.",
            field="credit",
        )
    if credit.amount >= 0 or -credit.open_amount < amount:
        raise CardPaymentInvalid(
            f"{credit.document_number} has no open credit of "
            f"{format_amount(amount, credit.currency)} {credit.currency} to pay back.",
            field="credit",
        )
    return credit


@transaction.atomic
def _refund_prepare(pk: int, amount: Decimal, credit_id: int | None, actor: Actor) -> CardPayment:
    card_payment = locked(pk)
    ensure_can_act(actor, card_payment.legal_entity, field="card_payment")
    if card_payment.payment_id is None or Status.REFUNDED not in TRANSITIONS[card_payment.status]:
        raise CardPaymentInvalid(
            f"Card payment {card_payment.pk} is {card_payment.get_status_display().lower()}: "
            "only a captured payment is refunded.",
            field="status",
        )
    check_amount(
        amount,
        card_payment.currency,
        at_most=card_payment.refundable_amount,
        what="what is left to refund,",
    )
    if credit_id is not None:
        _credit_check(card_payment, credit_id, amount)
    return card_payment


@recorded_in_english
def card_payment_refund(
    *,
    card_payment: CardPayment,
    amount: Decimal,
    actor: Actor,
    credit_id: int | None = None,
    on: date | None = None,
) -> CardRefund:
    """Give ``amount`` back on the card (at most what was captured less refunds): a refund,
    method card, settled against the open credit ``credit_id`` when given. A refusal of the
    gateway is recorded and raised (``CardGatewayRefused``)."""
    on = on or timezone.localdate()
    card_payment = _refund_prepare(card_payment.pk, amount, credit_id, actor)
    reference = f"card-payment:{card_payment.pk}:refund:{card_payment.refunds.count() + 1}"
    result = gateway_call(
        gateway_get(card_payment.gateway).refund,
        capture=card_payment.capture_reference,
        amount=amount,
        currency=card_payment.currency,
        reference=reference,
    )
    try:
        refund = _refund_record(card_payment.pk, result, amount, credit_id, on, reference, actor)
    except ApplicationError as error:
        with transaction.atomic():
            card_payment = locked(card_payment.pk)
            event(
                card_payment,
                Operation.REFUND,
                result,
                amount=amount,
                reference=reference,
                actor=actor,
                posting_error=error.message,
            )
        raise
    if refund is None:
        raise CardGatewayRefused(result.message, code=result.code, field="amount")
    return refund


@transaction.atomic
def _refund_record(
    pk: int,
    result: GatewayResult,
    amount: Decimal,
    credit_id: int | None,
    on: date,
    reference: str,
    actor: Actor,
) -> CardRefund | None:
    """The refund posted with the gateway's answer (None when the gateway refused)."""
    card_payment = locked(pk)
    done = CardRefund.objects.filter(
        card_payment=card_payment, gateway_reference=result.gateway_reference
    ).first()
    if result.approved and done is not None:
        return done  # the same refund, retried
    event(card_payment, Operation.REFUND, result, amount=amount, reference=reference, actor=actor)
    card_payment.code, card_payment.message = result.code[:60], result.message[:300]
    if not result.approved:
        card_payment.save(update_fields=["code", "message", "updated_at"])
        return None
    check_amount(
        amount,
        card_payment.currency,
        at_most=card_payment.refundable_amount,
        what="what is left to refund,",
    )
    refund = refund_post(
        data=money_input(card_payment, amount, on, result.gateway_reference), actor=actor
    )
    settlement = None
    if credit_id is not None:
        credit = _credit_check(card_payment, credit_id, amount)
        settlement = settlement_create(
            lines=[
                SettlementLineInput(credit.pk, amount=amount),
                SettlementLineInput(refund.open_transaction.pk),
            ],
            on=on,
            primary=None,
            actor=actor,
        )
    card_refund = CardRefund.objects.create(
        card_payment=card_payment,
        amount=amount,
        date=on,
        gateway_reference=result.gateway_reference[:200],
        refund=refund,
        settlement=settlement,
        created_by=user(actor),
    )
    old = card_payment.status
    card_payment.refunded_amount += amount
    transition(
        card_payment,
        Status.REFUNDED if card_payment.refundable_amount == 0 else Status.PARTIALLY_REFUNDED,
        action="refunded",
    )
    card_payment.save()
    audit(
        card_payment,
        old,
        actor,
        refund=refund.number,
        amount=format_amount(amount, card_payment.currency),
    )
    return card_refund
