"""Reads of the settlement room."""

from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from core.aggregates import DecimalSum
from core.money import ZERO
from entities.models import LegalEntity, Party
from entities.selectors import User, granted_entity_ids
from ledger.models import LedgerEntry
from receivables.models import OpenTransaction, OpenTransactionDiscount
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


def settlement_lines_of(
    open_transaction: OpenTransaction, user: User | None
) -> QuerySet[SettlementLine]:
    """The lines of the settlements that touched ``open_transaction`` (reversed ones too), with
    their settlement, oldest first, of the settlements ``user`` may see."""
    lines = SettlementLine.objects.filter(open_transaction=open_transaction).select_related(
        "settlement"
    )
    ids = granted_entity_ids(user)
    if ids is not None:
        hidden = Settlement.objects.filter(
            lines__open_transaction__legal_entity__in=_not_granted(ids)
        )
        lines = lines.exclude(settlement__in=hidden)
    return lines.order_by("settlement__date", "settlement_id")


def settlement_open_items(user: User | None, party: Party) -> QuerySet[OpenTransaction]:
    """The Settle transactions page's rows: the party's transactions still open in the entities
    granted to ``user``, by currency and due date, with their cash discount periods."""
    qs = (
        OpenTransaction.objects.filter(party=party)
        .exclude(open_amount=0)
        .select_related("legal_entity", "customer", "party")
        .prefetch_related(
            Prefetch("cash_discounts", queryset=OpenTransactionDiscount.objects.order_by("until"))
        )
        .order_by("currency", "due_date", "date", "document_number", "id")
    )
    ids = granted_entity_ids(user)
    return qs if ids is None else qs.filter(legal_entity_id__in=ids)


def settlement_vouchers(settlement: Settlement) -> list[dict]:
    """A settlement's vouchers by legal entity, each with its ledger entries in posting order."""
    return [
        {
            "voucher": voucher,
            "lines": LedgerEntry.objects.filter(voucher=voucher)
            .select_related("account", "counterparty")
            .order_by("id"),
        }
        for voucher in settlement.vouchers.select_related("legal_entity").order_by(
            "legal_entity__code"
        )
    ]


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


def settled_accounting_as_of(legal_entity: LegalEntity, on: date) -> Decimal:
    """What settlements had taken off the entity's open transactions dated on or before ``on``
    at the end of ``on`` (accounting amounts, signed like the transactions): the lines of
    settlements dated on or before it, less those of settlements reversed on or before it (a
    reversal gives back exactly what each line took). Registered with the AR close."""
    lines = SettlementLine.objects.filter(
        open_transaction__legal_entity=legal_entity, open_transaction__date__lte=on
    )
    taken = lines.filter(settlement__date__lte=on).aggregate(t=DecimalSum("accounting_amount"))
    given = lines.filter(
        settlement__status=Settlement.Status.REVERSED, settlement__reversed_on__lte=on
    ).aggregate(t=DecimalSum("accounting_amount"))
    return (taken["t"] or ZERO) - (given["t"] or ZERO)
