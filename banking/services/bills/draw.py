"""Drawing a bill of exchange on a customer for some of its open debits.

The bill is a payment of the customer (method bill of exchange) whose voucher debits
``bill_of_exchange`` instead of the bank: bill_of_exchange Dr / customer_balance Cr. Its open
credit is settled against the chosen debits with ``settlement_create`` in the same transaction,
so the debits close as with any payment (settlement history, reversal) and the bill itself is
then followed on the bill accounts through its steps."""

from collections.abc import Sequence
from datetime import date

from django.db import transaction

from core.audit import Actor
from core.money import ZERO
from entities.models import Customer, LegalEntity
from entities.services import ensure_can_act
from ledger.models import PostingType
from ledger.services import numbers_take
from receivables.locks import open_transactions_for_update
from receivables.models import OpenTransaction, Payment
from receivables.services import PaymentInput, payments_post
from settlement.services import SettlementLineInput, settlement_create

from ...exceptions import BillInvalid
from ...models import BillOfExchange, BillOfExchangeTransaction
from .common import Status, Step, step_record

MAX_TRANSACTIONS = 200


def _transaction_ids(transactions: Sequence[int]) -> list[int]:
    if not transactions:
        raise BillInvalid("Choose at least one open debit of the customer.", field="transactions")
    if len(transactions) > MAX_TRANSACTIONS:
        raise BillInvalid(f"At most {MAX_TRANSACTIONS} debits on one bill.", field="transactions")
    ids = [int(t) for t in transactions]
    if len(set(ids)) != len(ids):
        raise BillInvalid("A debit is chosen twice.", field="transactions")
    return ids


def _debits_locked(
    ids: list[int], customer: Customer, on: date, actor: Actor
) -> list[OpenTransaction]:
    """The chosen debits, locked, each an open debit of ``customer`` dated by ``on``."""
    found = open_transactions_for_update(ids)
    debits = []
    for pk in ids:
        ot = found.get(pk)
        if ot is None or (ot.legal_entity_id != customer.legal_entity_id and not _can(actor, ot)):
            raise BillInvalid(f"Open transaction {pk} does not exist.", field="transactions")
        if ot.customer_id != customer.pk:
            whose = (
                f"of party {ot.party.number}"
                if ot.party_id != customer.party_id
                else f"of customer {ot.customer.account} in {ot.legal_entity.code}"
            )
            raise BillInvalid(
                f"Transaction {ot.document_number} is {whose}, not of customer "
                f"{customer.account} in {customer.legal_entity.code}.",
                field="transactions",
            )
        if ot.amount <= 0:
            raise BillInvalid(
                f"Transaction {ot.document_number} is not a debit: a bill is drawn for invoices "
                "and other debits.",
                field="transactions",
            )
        if ot.open_amount == 0:
            raise BillInvalid(
                f"Transaction {ot.document_number} is already settled.", field="transactions"
            )
        if ot.date > on:
            raise BillInvalid(
                f"The bill's date {on} is before the date of {ot.document_number} ({ot.date}).",
                field="date",
            )
        debits.append(ot)
    currencies = sorted({ot.currency for ot in debits})
    if len(currencies) > 1:
        raise BillInvalid(
            f"The debits are in different currencies ({', '.join(currencies)}): a bill is in "
            "one currency.",
            field="transactions",
        )
    return debits


def _can(actor: Actor, ot: OpenTransaction) -> bool:
    from entities.selectors import user_can_act_in

    return user_can_act_in(actor, ot.legal_entity_id)


@transaction.atomic
def bill_draw(
    *,
    legal_entity: LegalEntity,
    customer: Customer,
    on: date,
    due_date: date,
    transactions: Sequence[int],
    actor: Actor,
) -> BillOfExchange:
    """Draw a bill on ``customer`` for the open amounts of ``transactions`` (its open debits),
    settling them, in one transaction."""
    ensure_can_act(actor, legal_entity)
    if customer.legal_entity_id != legal_entity.pk:
        raise BillInvalid(
            f"Customer {customer.account} is not a customer of {legal_entity.code}.",
            field="customer",
        )
    if due_date < on:
        raise BillInvalid(
            f"The due date {due_date} is before the date the bill is drawn ({on}).",
            field="due_date",
        )
    debits = _debits_locked(_transaction_ids(transactions), customer, on, actor)
    currency = debits[0].currency
    amount = sum((ot.open_amount for ot in debits), ZERO)
    (number,) = numbers_take(
        legal_entity=legal_entity, name="bill_of_exchange", prefix=f"{legal_entity.code}-BOE"
    )
    (payment,) = payments_post(
        inputs=[
            PaymentInput(
                legal_entity=legal_entity,
                customer=customer,
                date=on,
                amount=amount,
                currency=currency,
                method=Payment.Method.BILL_OF_EXCHANGE,
                reference=number,
                debit_posting_type=PostingType.BILL_OF_EXCHANGE,
            )
        ],
        actor=actor,
        errors_by_index=False,
    )
    credit = OpenTransaction.objects.only("pk", "accounting_amount").get(payment=payment)
    settlement = settlement_create(
        lines=[
            SettlementLineInput(credit.pk, amount=amount),
            *(
                SettlementLineInput(ot.pk, amount=ot.open_amount, cash_discount=ZERO)
                for ot in debits
            ),
        ],
        on=on,
        primary=credit.pk,
        actor=actor,
    )
    bill = BillOfExchange.objects.create(
        legal_entity=legal_entity,
        customer=customer,
        number=number,
        date=on,
        due_date=due_date,
        currency=currency,
        amount=amount,
        accounting_amount=-credit.accounting_amount,
        status=Status.DRAWN,
        payment=payment,
        settlement=settlement,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    BillOfExchangeTransaction.objects.bulk_create(
        BillOfExchangeTransaction(bill=bill, open_transaction=ot, amount=ot.open_amount)
        for ot in debits
    )
    step_record(bill=bill, kind=Step.DRAW, before="", on=on, voucher=payment.voucher, actor=actor)
    return bill
