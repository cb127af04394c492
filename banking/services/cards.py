"""Card payments: authorize against an open invoice, capture, void, refund.

Every gateway call happens outside a database transaction; its answer is then written, with
what it posts, in one transaction (and recorded alone when posting fails, so that no answer of
the gateway is ever lost). Each call carries a reference of ours that the gateway uses as its
idempotency key, and the card payment row, locked, says what was already done: a capture or a
refund retried moves money once and posts once.

What the ledger shows (the entity's card clearing bank account, else its ``bank`` account):
- capture: a payment, method card: clearing Dr / customer balance Cr; settled against the
  invoice, which closes (or is reduced by the captured amount);
- void, declined or failed: nothing is posted; the invoice stays open;
- refund: a refund, method card: customer balance Dr / clearing Cr. The invoice stays settled
  (it was paid); the refund is an open debit of the customer. It is settled against the credit
  it pays back when one is named (a credit note for returned goods: customer balance nets to
  zero). Without one it stays open: the customer got money back for an invoice that was due,
  so the customer owes it again until a credit note is settled against it.
"""

import uuid
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.audit import Actor, audit_record
from core.errors import ApplicationError
from core.money import format_amount
from entities.models import LegalEntity
from entities.selectors import user_can_act_in
from entities.services import ensure_can_act
from receivables.models import OpenTransaction
from receivables.services import payments_post
from settlement.services import SettlementLineInput, settlement_create

from ..cards import CardData, GatewayResult, gateway_get
from ..cards.checks import card_check, token_check
from ..exceptions import CardGatewayRefused, CardPaymentInvalid
from ..models import BankAccount, CardClearingAccount, CardGatewayEvent, CardPayment
from .card_common import (
    TRANSITIONS,
    Status,
    audit,
    check_amount,
    event,
    gateway_call,
    locked,
    money_input,
    status_of_refusal,
    transition,
    user,
)
from .recorded import recorded_in_english

Operation = CardGatewayEvent.Operation


def _invoice_for_card(open_transaction_id: int, actor: Actor) -> OpenTransaction:
    ot = (
        OpenTransaction.objects.select_related("legal_entity", "customer")
        .filter(pk=open_transaction_id)
        .first()
    )
    if ot is None or not user_can_act_in(actor, ot.legal_entity_id):
        raise CardPaymentInvalid(
            f"Open transaction {open_transaction_id} does not exist.", field="transaction"
        )
    if ot.amount <= 0 or ot.open_amount <= 0:
        raise CardPaymentInvalid(
            f"{ot.document_number} is not an open debit: a card pays an open invoice.",
            field="transaction",
        )
    if ot.customer.blocked:
        raise CardPaymentInvalid(f"Customer {ot.customer.account} is blocked.", field="transaction")
    return ot


def card_payment_authorize(
    *,
    open_transaction_id: int,
    amount: Decimal,
    actor: Actor,
    card: CardData | None = None,
    token: str | None = None,
) -> CardPayment:
    """Hold ``amount`` (at most the invoice's open amount) on a card, or on the card behind the
    token of an earlier one. The card goes to the gateway and is not kept; a declined or failed
    authorization is recorded as such (status declined / failed)."""
    ot = _invoice_for_card(open_transaction_id, actor)
    check_amount(amount, ot.currency, at_most=ot.open_amount, what="the open amount")
    if (card is None) == (token is None):
        raise CardPaymentInvalid("Give either a card or a token.", field="card")
    if token is not None:
        token = token_check(token)
    if card is not None:
        card = card_check(card, today=timezone.localdate())
    gateway = gateway_get()
    reference = f"card-authorize:{uuid.uuid4().hex}"
    result = gateway_call(
        gateway.authorize,
        amount=amount,
        currency=ot.currency,
        card=card,
        token=token,
        reference=reference,
    )
    with transaction.atomic():
        card_payment = CardPayment(
            legal_entity=ot.legal_entity,
            customer=ot.customer,
            open_transaction=ot,
            currency=ot.currency,
            authorized_amount=amount,
            status=None,
            gateway=f"{type(gateway).__module__}.{type(gateway).__qualname__}"[:200],
            token=result.token[:200],
            brand=result.brand[:30],
            last4=result.last4[:4],
            expiry_month=result.expiry_month,
            expiry_year=result.expiry_year,
            authorization_reference=result.gateway_reference[:200],
            code=result.code[:60],
            message=result.message[:300],
            created_by=user(actor),
        )
        transition(
            card_payment,
            Status.AUTHORIZED if result.approved else status_of_refusal(result),
            action="authorized",
        )
        card_payment.save()
        event(
            card_payment,
            Operation.AUTHORIZE,
            result,
            amount=amount,
            reference=reference,
            actor=actor,
        )
        audit_record(
            actor=actor,
            action=f"card_payment.{card_payment.status}",
            obj=card_payment,
            changes={
                "status": (None, card_payment.status),
                "amount": (None, format_amount(amount, card_payment.currency)),
            },
            legal_entity=ot.legal_entity,
        )
    return card_payment


@transaction.atomic
def _capture_prepare(pk: int, amount: Decimal | None, actor: Actor) -> tuple[CardPayment, Decimal]:
    """The card payment, read under lock, and the amount to capture, checked."""
    card_payment = locked(pk)
    ensure_can_act(actor, card_payment.legal_entity, field="card_payment")
    if card_payment.payment_id is not None or card_payment.capture_reference:
        # Captured before: a retry returns it (or posts what the gateway already took).
        return card_payment, card_payment.captured_amount
    if Status.CAPTURED not in TRANSITIONS[card_payment.status]:
        transition(card_payment, Status.CAPTURED, action="captured")
    amount = card_payment.authorized_amount if amount is None else amount
    check_amount(
        amount,
        card_payment.currency,
        at_most=card_payment.authorized_amount,
        what="the authorization",
    )
    open_amount = card_payment.open_transaction.open_amount
    if amount > open_amount:
        raise CardPaymentInvalid(
            f"The amount {format_amount(amount, card_payment.currency)} is above the invoice's "
            f"open amount, now {format_amount(open_amount, card_payment.currency)} "
            f"{card_payment.currency}.",
            field="amount",
        )
    return card_payment, amount


@recorded_in_english
def card_payment_capture(
    *,
    card_payment: CardPayment,
    actor: Actor,
    amount: Decimal | None = None,
    on: date | None = None,
) -> CardPayment:
    """Take ``amount`` (the whole authorization when not given) and post it: a payment, method
    card, settled against the invoice, in one transaction with the gateway's answer. A declined
    or failed capture posts nothing (status declined / failed). Retried, it posts once; a capture
    the gateway approved but that could not be posted is posted by the next call."""
    on = on or timezone.localdate()
    card_payment, amount = _capture_prepare(card_payment.pk, amount, actor)
    if card_payment.payment_id is not None:
        return card_payment
    reference = f"card-payment:{card_payment.pk}:capture"
    called = not card_payment.capture_reference
    if called:
        result = gateway_call(
            gateway_get(card_payment.gateway).capture,
            authorization=card_payment.authorization_reference,
            amount=amount,
            currency=card_payment.currency,
            reference=reference,
        )
    else:
        result = GatewayResult(
            approved=True,
            code="approved",
            message="Approved.",
            gateway_reference=card_payment.capture_reference,
        )
    try:
        return _capture_record(card_payment.pk, result, amount, on, reference, called, actor)
    except ApplicationError as error:
        _capture_unposted(card_payment.pk, result, amount, reference, called, error, actor)
        raise


@transaction.atomic
def _capture_record(
    pk: int,
    result: GatewayResult,
    amount: Decimal,
    on: date,
    reference: str,
    called: bool,
    actor: Actor,
) -> CardPayment:
    card_payment = locked(pk)
    if card_payment.payment_id is not None:
        return card_payment  # a concurrent capture posted it
    if called:
        event(
            card_payment, Operation.CAPTURE, result, amount=amount, reference=reference, actor=actor
        )
    old = card_payment.status
    card_payment.code, card_payment.message = result.code[:60], result.message[:300]
    if not result.approved:
        transition(card_payment, status_of_refusal(result), action="captured")
        card_payment.save()
        audit(card_payment, old, actor)
        return card_payment
    transition(card_payment, Status.CAPTURED, action="captured")
    (payment,) = payments_post(
        inputs=[money_input(card_payment, amount, on, result.gateway_reference)],
        actor=actor,
        errors_by_index=False,
    )
    payment_ot = OpenTransaction.objects.only("pk").get(payment=payment)
    card_payment.settlement = settlement_create(
        lines=[
            SettlementLineInput(card_payment.open_transaction_id, amount=amount),
            SettlementLineInput(payment_ot.pk),
        ],
        on=on,
        primary=None,
        actor=actor,
    )
    card_payment.payment = payment
    card_payment.captured_amount = amount
    card_payment.capture_reference = result.gateway_reference[:200]
    card_payment.posting_error = ""
    card_payment.save()
    audit(card_payment, old, actor, payment=payment.number)
    return card_payment


@transaction.atomic
def _capture_unposted(
    pk: int,
    result: GatewayResult,
    amount: Decimal,
    reference: str,
    called: bool,
    error: ApplicationError,
    actor: Actor,
) -> None:
    """The gateway's answer kept although posting it failed: an approved capture is posted by
    the next capture call, without asking the gateway again."""
    card_payment = locked(pk)
    if called:
        event(
            card_payment,
            Operation.CAPTURE,
            result,
            amount=amount,
            reference=reference,
            actor=actor,
            posting_error=error.message,
        )
    if result.approved:
        card_payment.capture_reference = result.gateway_reference[:200]
        card_payment.captured_amount = amount
    card_payment.code, card_payment.message = result.code[:60], result.message[:300]
    card_payment.posting_error = error.message[:2000]
    card_payment.save()


def card_payment_void(*, card_payment: CardPayment, actor: Actor) -> CardPayment:
    """Release an authorization that was not captured; nothing is posted. A refusal of the
    gateway is recorded and raised (``CardGatewayRefused``)."""
    with transaction.atomic():
        card_payment = locked(card_payment.pk)
        ensure_can_act(actor, card_payment.legal_entity, field="card_payment")
        if card_payment.capture_reference:
            raise CardPaymentInvalid(
                f"Card payment {card_payment.pk} was captured: refund it instead.",
                field="status",
            )
        if Status.VOIDED not in TRANSITIONS[card_payment.status]:
            transition(card_payment, Status.VOIDED, action="voided")
    reference = f"card-payment:{card_payment.pk}:void"
    result = gateway_call(
        gateway_get(card_payment.gateway).void,
        authorization=card_payment.authorization_reference,
        reference=reference,
    )
    with transaction.atomic():
        card_payment = locked(card_payment.pk)
        event(card_payment, Operation.VOID, result, amount=None, reference=reference, actor=actor)
        card_payment.code, card_payment.message = result.code[:60], result.message[:300]
        if result.approved:
            old = card_payment.status
            transition(card_payment, Status.VOIDED, action="voided")
            card_payment.void_reference = result.gateway_reference[:200]
            audit(card_payment, old, actor)
        card_payment.save()
    if not result.approved:
        raise CardGatewayRefused(result.message, code=result.code, field="card_payment")
    return card_payment


@transaction.atomic
def card_clearing_account_set(
    *, legal_entity: LegalEntity, bank_account: BankAccount | None, actor: Actor
) -> CardClearingAccount | None:
    """The bank account card money moves on in ``legal_entity`` (None: the ``bank`` posting
    setup's account again)."""
    ensure_can_act(actor, legal_entity)
    if bank_account is not None and bank_account.legal_entity_id != legal_entity.pk:
        raise CardPaymentInvalid(
            f"Bank account {bank_account.code} is not an account of {legal_entity.code}.",
            field="bank_account",
        )
    current = CardClearingAccount.objects.select_for_update().filter(legal_entity=legal_entity)
    old = current.first()
    old_code = old.bank_account.code if old else None
    if bank_account is None:
        current.delete()
        saved = None
    else:
        saved, _ = CardClearingAccount.objects.update_or_create(
            legal_entity=legal_entity, defaults={"bank_account": bank_account}
        )
    audit_record(
        actor=actor,
        action="card_clearing_account.set",
        obj=legal_entity,
        changes={"card_clearing_account": (old_code, bank_account.code if bank_account else None)},
        legal_entity=legal_entity,
    )
    return saved
