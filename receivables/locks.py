"""Locking reads of open transactions (re-exported by ``receivables.selectors``): every room
that is about to change or check open transactions locks them here, so that they are locked in
one order (primary key) under one wait rule (wait for the holder, or with ``nowait`` refuse at
once), and no two writers can deadlock on them.
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import QuerySet

from .models import OpenTransaction
from .sql import open_transactions_select


def open_transactions_for_update(
    ids: Sequence[int], *, nowait: bool = False
) -> dict[int, OpenTransaction]:
    """The open transactions ``ids`` locked, by primary key in primary-key order, with their
    entity, customer and party, each with its cash discount schedule as ``discount_schedule``
    ((last day, percent) per period, earliest first), read with one statement.

    With ``nowait`` a row another transaction holds raises ``OperationalError`` (lock not
    available) at once instead of waiting. Ids that name no row are left out."""
    assert connection.in_atomic_block, "a lock lasts until the end of its transaction"
    return open_transactions_select(ids, lock=True, nowait=nowait)


def open_transactions_in_bulk(ids: Sequence[int]) -> dict[int, OpenTransaction]:
    """What ``open_transactions_for_update`` reads, without locking (previews)."""
    return open_transactions_select(ids, lock=False)


def open_transactions_matching_for_update(
    queryset: QuerySet[OpenTransaction], *, nowait: bool = False
) -> QuerySet[OpenTransaction]:
    """``queryset`` locking the open transactions it matches, in primary-key order under the
    same wait rule, for bulk reads that take a few columns of many rows (``values_list``)
    rather than model instances. Only the open transactions are locked, not joined rows."""
    return queryset.select_for_update(nowait=nowait, of=("self",)).order_by("pk")
