"""Reads of the settlement room."""

from django.db.models import Prefetch, QuerySet

from entities.models import LegalEntity
from entities.selectors import User, granted_entity_ids
from receivables.models import OpenTransaction
from receivables.selectors import open_transactions_for_update, open_transactions_in_bulk
from receivables.sql import Schedule

from .models import Settlement, SettlementLine


def settlements_for_user(user: User | None) -> QuerySet[Settlement]:
    """Settlements whose every transaction is in an entity the user may act in."""
    qs = Settlement.objects.select_related("party", "created_by").prefetch_related(
        Prefetch(
            "lines",
            queryset=SettlementLine.objects.select_related(
                "open_transaction__legal_entity"
            ).order_by("id"),
        ),
        "vouchers",
        "reversal_vouchers",
    )
    ids = granted_entity_ids(user)
    if ids is None:
        return qs
    return qs.exclude(lines__open_transaction__legal_entity__in=_not_granted(ids)).distinct()


def _not_granted(ids):
    return LegalEntity.objects.exclude(pk__in=ids)


def open_transactions_for_settlement(
    ids: list[int], *, lock: bool
) -> tuple[dict[int, OpenTransaction], dict[int, Schedule]]:
    """The open transactions ``ids`` with their entity, customer and party, and their cash
    discount schedules, read with one statement.

    With ``lock`` the rows are locked in primary-key order without waiting: a transaction held
    by another settlement raises ``OperationalError`` (lock not available) at once.
    """
    if lock:
        transactions = open_transactions_for_update(ids, nowait=True)
    else:
        transactions = open_transactions_in_bulk(ids)
    return transactions, {pk: ot.discount_schedule for pk, ot in transactions.items()}
