"""Open debits that no sales document carries: a room above posts the voucher (a protested bill
of exchange: its amount and charges owed again) and asks here for the customer transaction of
its customer-balance lines, and for closing it again when that voucher is reversed."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext

from core.audit import Actor
from core.errors import InvalidInput
from entities.models import Customer, LegalEntity
from ledger.models import Voucher

from ..models import OpenTransaction
from .common import open_transaction_build, open_transaction_of_document_locked, unsettled_reverse

# The kinds a room above may create this way.
OPEN_DEBIT_KINDS = (OpenTransaction.Kind.PROTESTED_BILL,)


def open_debit_create(
    *,
    kind: str,
    legal_entity: LegalEntity,
    customer: Customer,
    voucher: Voucher,
    document_number: str,
    on: date,
    due_date: date,
    currency: str,
    rate: Decimal,
    amount: Decimal,
    accounting_amount: Decimal,
) -> OpenTransaction:
    """The open debit of ``voucher``'s customer-balance lines (``amount`` and
    ``accounting_amount`` their sums), fully open; inside the poster's transaction."""
    assert connection.in_atomic_block, "created in the transaction that posts its voucher"
    if kind not in OPEN_DEBIT_KINDS:
        raise InvalidInput(f"Open debits of kind {kind!r} come from their documents.", field="kind")
    if amount <= 0 or accounting_amount < 0:
        raise InvalidInput("An open debit is above zero.", field="amount")
    ot = open_transaction_build(
        kind=kind,
        legal_entity=legal_entity,
        customer=customer,
        voucher=voucher,
        document_number=document_number,
        on=on,
        due_date=due_date,
        currency=currency,
        rate=rate,
        amount=amount,
        accounting_amount=accounting_amount,
        amount_before_tax=amount,
    )
    ot.save()
    return ot


def open_debit_reverse(
    *,
    open_transaction: OpenTransaction,
    what: str,
    field: str,
    source_key: str,
    actor: Actor,
    on: date | None = None,
) -> Voucher:
    """Reverse the voucher of an open debit made by ``open_debit_create`` and close it, while
    nothing has settled it (``DocumentSettled`` otherwise: its settlements first)."""
    assert connection.in_atomic_block, "inside the reversing transaction"
    locked = open_transaction_of_document_locked(pk=open_transaction.pk)
    if locked.kind not in OPEN_DEBIT_KINDS:
        raise InvalidInput(
            gettext("Transaction %(document)s is reversed through its document.")
            % {"document": locked.document_number},
            field=field,
        )
    return unsettled_reverse(
        open_transaction=locked,
        voucher=locked.voucher,
        what=what,
        field=field,
        source_key=source_key,
        actor=actor,
        on=on,
    )
