"""Reads of the settlement room."""

from datetime import date
from decimal import Decimal
from functools import cache

from django.db import connection
from django.db.models import Prefetch, QuerySet

from core import db
from core.db import BIGINT_LIMIT, Columns
from entities.models import Customer, LegalEntity, Party
from entities.selectors import User, granted_entity_ids
from ledger.models import LedgerEntry
from receivables.models import OpenTransaction, OpenTransactionDiscount

from .models import Settlement, SettlementLine

# A cash discount schedule: (last day, percent) per period, earliest first.
Schedule = list[tuple[date, Decimal]]


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


@cache
def _columns() -> tuple[Columns, Columns, Columns, Columns, Columns]:
    return (
        Columns(OpenTransaction, "ot"),
        Columns(LegalEntity, "le"),
        Columns(Customer, "cu"),
        Columns(Party, "pa"),
        Columns(OpenTransactionDiscount, "di", fields=("until", "percent")),
    )


def open_transactions_for_settlement(
    ids: list[int], *, lock: bool
) -> tuple[dict[int, OpenTransaction], dict[int, Schedule]]:
    """The open transactions ``ids`` with their entity, customer and party, and their cash
    discount schedules, read with one statement.

    With ``lock`` the rows are locked in primary-key order without waiting: a transaction held
    by another settlement raises ``OperationalError`` (lock not available) at once.
    """
    # A key no bigint can hold names no row; SQLite cannot even bind it (the ORM drops such
    # keys from its lookups the same way).
    ids = [pk for pk in ids if -BIGINT_LIMIT <= pk < BIGINT_LIMIT]
    if not ids:
        return {}, {}
    ot, le, cu, pa, di = _columns()
    qn = connection.ops.quote_name
    sql = (
        f"SELECT {ot.sql}, {le.sql}, {cu.sql}, {pa.sql}, {di.sql} "  # noqa: S608
        f"FROM {qn(OpenTransaction._meta.db_table)} ot "
        f"JOIN {qn(LegalEntity._meta.db_table)} le ON le.id = ot.legal_entity_id "
        f"JOIN {qn(Customer._meta.db_table)} cu ON cu.id = ot.customer_id "
        f"JOIN {qn(Party._meta.db_table)} pa ON pa.id = ot.party_id "
        f"LEFT JOIN {qn(OpenTransactionDiscount._meta.db_table)} di "
        "ON di.open_transaction_id = ot.id "
        f"WHERE ot.id IN ({', '.join(['%s'] * len(ids))}) ORDER BY ot.id, di.until"
    )
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE OF ot NOWAIT"
    with db.cursor() as cursor:
        cursor.execute(sql, list(ids))
        rows = cursor.fetchall()
    transactions: dict[int, OpenTransaction] = {}
    schedules: dict[int, Schedule] = {}
    entities: dict[int, LegalEntity] = {}
    customers: dict[int, Customer] = {}
    parties: dict[int, Party] = {}
    at_le = ot.width
    at_cu = at_le + le.width
    at_pa = at_cu + cu.width
    at_di = at_pa + pa.width
    for row in rows:
        pk = row[0]
        if pk not in transactions:
            entity = entities.get(row[at_le])
            if entity is None:
                entity = entities[row[at_le]] = le.instance(row, at_le)
            party = parties.get(row[at_pa])
            if party is None:
                party = parties[row[at_pa]] = pa.instance(row, at_pa)
            customer = customers.get(row[at_cu])
            if customer is None:
                customer = customers[row[at_cu]] = cu.instance(row, at_cu)
                if customer.legal_entity_id == entity.pk:
                    customer.legal_entity = entity
                if customer.party_id == party.pk:
                    customer.party = party
            open_transaction = ot.instance(row)
            open_transaction.legal_entity = entity
            open_transaction.customer = customer
            open_transaction.party = party
            transactions[pk] = open_transaction
            schedules[pk] = []
        if row[at_di] is not None:
            schedules[pk].append(tuple(di.values(row, at_di)))
    return transactions, schedules
