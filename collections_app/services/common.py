"""What the collections manager's writes share: the user who acted, the activity each leaves on
the customer's timeline, and the locked open transaction a dispute or write-off changes."""

from typing import Any

from core.audit import Actor, acting_user
from entities.models import Customer
from receivables.models import OpenTransaction
from receivables.selectors import open_transactions_for_update

from ..models import Activity

DEBIT_KINDS = (OpenTransaction.Kind.INVOICE, OpenTransaction.Kind.INTEREST_NOTE)


def timeline_activity_add(
    customer: Customer, kind: str, subject: str, actor: Actor, **fields: Any
) -> Activity:
    return Activity.objects.create(
        customer=customer,
        legal_entity_id=customer.legal_entity_id,
        party_id=customer.party_id,
        kind=kind,
        subject=subject[:200],
        created_by=acting_user(actor),
        **fields,
    )


def open_transaction_locked(open_transaction: OpenTransaction) -> OpenTransaction:
    locked = open_transactions_for_update([open_transaction.pk]).get(open_transaction.pk)
    if locked is None:
        raise OpenTransaction.DoesNotExist("OpenTransaction matching query does not exist.")
    return locked
