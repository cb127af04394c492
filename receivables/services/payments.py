"""Customer payments: bank Dr / customer balance Cr, one open credit each.

Many payments (a payment journal, the bulk API) are posted together in one transaction: numbers
are taken once per entity, all vouchers go through one call of the posting service, and open
transactions and audit rows are inserted with one statement each.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core import db
from core.audit import Actor, audit_record, audit_record_many
from core.errors import ApplicationError, Conflict, InvalidInput
from core.money import convert
from entities.models import Customer, LegalEntity
from entities.selectors import RateBook
from entities.services import ensure_can_act
from ledger.models import MainAccount, PostingType
from ledger.services import (
    VoucherInput,
    VoucherLineInput,
    numbers_take,
    vouchers_post,
)

from ..models import DocumentStatus, OpenTransaction, Payment, PaymentJournal
from .common import (
    check_currency_amount,
    check_customer,
    open_transaction_build,
    open_transaction_of_document_locked,
    transition,
    unsettled_reverse,
)

MAX_PAYMENTS_PER_CALL = 1000


@dataclass(frozen=True)
class PaymentInput:
    legal_entity: LegalEntity
    customer: Customer
    date: date
    amount: Decimal
    currency: str | None = None
    method: str = Payment.Method.ELECTRONIC
    reference: str = ""
    bank_account: str = ""
    # The main account of the bank account the money moved on (a bank statement's account);
    # None: the ``bank`` posting setup's account.
    bank_ledger_account: MainAccount | None = None
    end_to_end_id: str = ""
    # What comes in: money (``bank``), or, for a drawn bill of exchange, the customer's promise
    # to pay at maturity (``bill_of_exchange``).
    debit_posting_type: str = PostingType.BANK


DEBIT_POSTING_TYPES = (PostingType.BANK, PostingType.BILL_OF_EXCHANGE)


def _validate(data: PaymentInput, actor: Actor) -> str:
    ensure_can_act(actor, data.legal_entity)
    check_customer(data.customer, data.legal_entity)
    currency = data.currency or data.customer.currency
    check_currency_amount(data.amount, currency, "amount")
    if data.amount is None or data.amount <= 0:
        raise InvalidInput(gettext("The amount must be greater than zero."), field="amount")
    if data.method not in Payment.Method.values:
        raise InvalidInput(
            gettext("Unknown payment method %(method)s.") % {"method": repr(data.method)},
            field="method",
        )
    if data.debit_posting_type not in DEBIT_POSTING_TYPES:
        raise InvalidInput(
            f"A payment debits bank or bill of exchange, not {data.debit_posting_type!r}.",
            field="debit_posting_type",
        )
    return currency


def _payment_from(data: PaymentInput, currency: str, actor: Actor, journal=None) -> Payment:
    return Payment(
        legal_entity=data.legal_entity,
        customer=data.customer,
        date=data.date,
        amount=data.amount,
        currency=currency,
        method=data.method,
        reference=data.reference[:60],
        bank_account=data.bank_account[:40],
        bank_ledger_account=data.bank_ledger_account,
        end_to_end_id=data.end_to_end_id[:35],
        journal=journal,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )


@transaction.atomic
def payment_create(*, data: PaymentInput, actor: Actor) -> Payment:
    """A draft payment."""
    payment = _payment_from(data, _validate(data, actor), actor)
    payment.save()
    audit_record(actor=actor, action="payment.created", obj=payment, legal_entity=data.legal_entity)
    return payment


def _validate_all(inputs: list[PaymentInput], actor: Actor, by_index: bool) -> list[str]:
    """Validate every line; report every bad line at once, by index (or, for one payment
    entered alone, by its own fields)."""
    if not inputs:
        raise InvalidInput(gettext("Give at least one payment."), field="payments")
    if len(inputs) > MAX_PAYMENTS_PER_CALL:
        raise InvalidInput(
            gettext("At most %(count)s payments in one call.") % {"count": MAX_PAYMENTS_PER_CALL},
            field="payments",
        )
    if not by_index:
        return [_validate(data, actor) for data in inputs]
    currencies, errors = [], {}
    for index, data in enumerate(inputs):
        try:
            currencies.append(_validate(data, actor))
        except ApplicationError as error:
            if error.http_status == 403:
                raise
            errors[index] = error.fields or {"non_field_errors": [error.message]}
            currencies.append("")
    if errors:
        first = min(errors)
        raise InvalidInput(
            f"payments[{first}]: {next(iter(errors[first].values()))[0]}",
            fields={"payments": errors},
        )
    return currencies


@db.atomic
def payments_post(
    *,
    inputs: list[PaymentInput] | None = None,
    drafts: list[Payment] | None = None,
    actor: Actor,
    journal: PaymentJournal | None = None,
    errors_by_index: bool | None = None,
) -> list[Payment]:
    """Post payments, all or nothing: new ones from ``inputs`` and/or existing ``drafts``.

    Bad inputs are reported together under ``payments`` by index (the default for more than
    one input)."""
    inputs, drafts = inputs or [], drafts or []
    by_index = len(inputs) > 1 if errors_by_index is None else errors_by_index
    currencies = _validate_all(inputs, actor, by_index) if inputs else []
    new = [_payment_from(d, c, actor, journal) for d, c in zip(inputs, currencies, strict=True)]
    if drafts:
        drafts = _drafts_locked(drafts, actor)
    payments = drafts + new
    for payment in payments:
        transition(payment, DocumentStatus.POSTED)
    _numbers_assign(payments)
    rates = RateBook()
    debit_types = [PostingType.BANK] * len(drafts) + [d.debit_posting_type for d in inputs]
    vouchers = vouchers_post(
        vouchers=_voucher_inputs(payments, debit_types), actor=actor, rates=rates
    )
    now = timezone.now()
    for payment, voucher in zip(payments, vouchers, strict=True):
        payment.voucher = voucher
        payment.posted_at = now
    if drafts:
        Payment.objects.bulk_update(drafts, ["number", "status", "voucher", "posted_at"])
    # Plain INSERTs: the ORM's insert compiler costs more than the statements on this path.
    db.insert_instances(new)
    db.insert_instances(_open_transactions_build(payments, rates))
    audit_record_many(
        actor=actor,
        action="payment.posted",
        objects=payments,
        legal_entity_of=lambda p: p.legal_entity,
    )
    return payments


def _drafts_locked(drafts: list[Payment], actor: Actor) -> list[Payment]:
    """The drafts re-read under lock, in primary-key order, each one the actor may post."""
    locked = list(
        Payment.objects.select_for_update(of=("self",))
        .filter(pk__in=[p.pk for p in drafts])
        .select_related("legal_entity", "customer__legal_entity")
        .order_by("pk")
    )
    for payment in locked:
        ensure_can_act(actor, payment.legal_entity)
        check_customer(payment.customer, payment.legal_entity)
    return locked


def _numbers_assign(payments: list[Payment]) -> None:
    """Numbers taken once per entity, entities in primary-key order."""
    by_entity: dict[int, list[Payment]] = defaultdict(list)
    for payment in payments:
        by_entity[payment.legal_entity_id].append(payment)
    for entity_pk in sorted(by_entity):
        group = by_entity[entity_pk]
        entity = group[0].legal_entity
        numbers = numbers_take(
            legal_entity=entity, name="payment", count=len(group), prefix=f"{entity.code}-PAY"
        )
        for payment, number in zip(group, numbers, strict=True):
            payment.number = number


def _voucher_inputs(payments: list[Payment], debit_types: list[str]) -> list[VoucherInput]:
    """Bank (or bill of exchange) Dr / customer balance Cr, one voucher per payment."""
    return [
        VoucherInput(
            legal_entity=p.legal_entity,
            date=p.date,
            description=f"Payment {p.number}",
            source_key=f"payment:{p.number}",
            lines=[
                VoucherLineInput(
                    debit_type,
                    p.currency,
                    p.amount,
                    account=p.bank_ledger_account,
                    description=p.reference,
                ),
                VoucherLineInput(
                    PostingType.CUSTOMER_BALANCE,
                    p.currency,
                    -p.amount,
                    customer=p.customer,
                    description=p.reference,
                ),
            ],
        )
        for p, debit_type in zip(payments, debit_types, strict=True)
    ]


def _open_transactions_build(payments: list[Payment], rates: RateBook) -> list[OpenTransaction]:
    """One open credit per posted payment, at the payment date's rate."""
    open_transactions = []
    for payment in payments:
        rate = rates.get(payment.currency, payment.legal_entity.accounting_currency, payment.date)
        open_transactions.append(
            open_transaction_build(
                kind=OpenTransaction.Kind.PAYMENT,
                legal_entity=payment.legal_entity,
                customer=payment.customer,
                voucher=payment.voucher,
                document_number=payment.number,
                on=payment.date,
                due_date=payment.date,
                currency=payment.currency,
                rate=rate,
                amount=-payment.amount,
                accounting_amount=-convert(
                    payment.amount, rate, payment.legal_entity.accounting_currency
                ),
                amount_before_tax=-payment.amount,
                payment=payment,
            )
        )
    return open_transactions


# Rooms above that own a payment's lifecycle (a bill of exchange, a card payment, a direct debit)
# register a guard: given the payment, the reason it may not be reversed here, or None.
_reverse_guards: list = []


def payment_reverse_guard_register(guard) -> None:
    _reverse_guards.append(guard)


@transaction.atomic
def payment_reverse(
    *, payment: Payment, actor: Actor, on: date | None = None, guarded: bool = True
) -> Payment:
    """Reverse a posted payment that nothing has settled yet. A settled payment is refused: its
    settlements are reversed first, so that no invoice is reopened without saying so. A payment
    an instrument owns is reversed by that instrument (``guarded=False`` is its call)."""
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("legal_entity")
        .get(pk=payment.pk)
    )
    ensure_can_act(actor, payment.legal_entity)
    for guard in _reverse_guards if guarded else ():
        reason = guard(payment)
        if reason:
            raise Conflict(reason, field="payment")
    transition(payment, DocumentStatus.REVERSED)
    reversal = unsettled_reverse(
        open_transaction=open_transaction_of_document_locked(payment=payment),
        voucher=payment.voucher,
        what=gettext("Payment %(number)s") % {"number": payment.number},
        field="payment",
        source_key=f"payment-reversal:{payment.number}",
        actor=actor,
        on=on,
    )
    payment.reversal_voucher = reversal
    payment.save(update_fields=["status", "reversal_voucher"])
    audit_record(
        actor=actor,
        action="payment.reversed",
        obj=payment,
        changes={
            "status": (DocumentStatus.POSTED, DocumentStatus.REVERSED),
            "reversal_voucher": (None, reversal.number),
        },
        legal_entity=payment.legal_entity,
    )
    return payment


@transaction.atomic
def refund_post(*, data: PaymentInput, actor: Actor):
    """Pay money back to a customer: customer balance Dr / bank Cr, an open debit that settles
    the credit it reimburses."""
    from ..models import Refund

    currency = _validate(data, actor)
    entity = data.legal_entity
    (number,) = numbers_take(legal_entity=entity, name="refund", prefix=f"{entity.code}-REF")
    rates = RateBook()
    (voucher,) = vouchers_post(
        vouchers=[
            VoucherInput(
                legal_entity=entity,
                date=data.date,
                description=f"Refund {number}",
                source_key=f"refund:{number}",
                lines=[
                    VoucherLineInput(
                        PostingType.CUSTOMER_BALANCE,
                        currency,
                        data.amount,
                        customer=data.customer,
                        description=data.reference,
                    ),
                    VoucherLineInput(
                        PostingType.BANK,
                        currency,
                        -data.amount,
                        account=data.bank_ledger_account,
                        description=data.reference,
                    ),
                ],
            )
        ],
        actor=actor,
        rates=rates,
    )
    refund = Refund.objects.create(
        legal_entity=entity,
        customer=data.customer,
        number=number,
        date=data.date,
        amount=data.amount,
        currency=currency,
        method=data.method,
        reference=data.reference[:60],
        voucher=voucher,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    rate = rates.get(currency, entity.accounting_currency, data.date)
    open_transaction_build(
        kind=OpenTransaction.Kind.REFUND,
        legal_entity=entity,
        customer=data.customer,
        voucher=voucher,
        document_number=number,
        on=data.date,
        due_date=data.date,
        currency=currency,
        rate=rate,
        amount=data.amount,
        accounting_amount=convert(data.amount, rate, entity.accounting_currency),
        amount_before_tax=data.amount,
        refund=refund,
    ).save()
    audit_record(actor=actor, action="refund.posted", obj=refund, legal_entity=entity)
    return refund
