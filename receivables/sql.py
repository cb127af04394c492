"""Plain SQL of the receivables room: the open transactions read (and locked) with what a
settlement needs in one statement, and their open amounts written in one statement.

Column and table names come from the models, never repeated by hand; the same statements serve
PostgreSQL and SQLite (see ``core.db`` for why these paths bypass the ORM).
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import cache
from operator import attrgetter

from django.db import connection

from core import db
from core.db import BIGINT_LIMIT, Columns
from entities.models import Customer, LegalEntity, Party

from .models import OpenTransaction, OpenTransactionDiscount

# A cash discount schedule: (last day, percent) per period, earliest first.
Schedule = list[tuple[date, Decimal]]

# What the open-amount write sets, besides the key.
OPEN_AMOUNT_FIELDS = ("open_amount", "open_accounting_amount", "closed_on")
_written = attrgetter("pk", *OPEN_AMOUNT_FIELDS)


@cache
def _columns() -> tuple[Columns, Columns, Columns, Columns, Columns]:
    return (
        Columns(OpenTransaction, "ot"),
        Columns(LegalEntity, "le"),
        Columns(Customer, "cu"),
        Columns(Party, "pa"),
        Columns(OpenTransactionDiscount, "di", fields=("until", "percent")),
    )


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


@cache
def _select_parts(lock: bool, nowait: bool) -> tuple[str, str]:
    """The statement around its list of keys."""
    ot, le, cu, pa, di = _columns()
    qn = connection.ops.quote_name
    col = _column
    head = (
        f"SELECT {ot.sql}, {le.sql}, {cu.sql}, {pa.sql}, {di.sql} "  # noqa: S608
        f"FROM {qn(OpenTransaction._meta.db_table)} ot "
        f"JOIN {qn(LegalEntity._meta.db_table)} le "
        f"ON le.{col(LegalEntity, 'id')} = ot.{col(OpenTransaction, 'legal_entity')} "
        f"JOIN {qn(Customer._meta.db_table)} cu "
        f"ON cu.{col(Customer, 'id')} = ot.{col(OpenTransaction, 'customer')} "
        f"JOIN {qn(Party._meta.db_table)} pa "
        f"ON pa.{col(Party, 'id')} = ot.{col(OpenTransaction, 'party')} "
        f"LEFT JOIN {qn(OpenTransactionDiscount._meta.db_table)} di "
        f"ON di.{col(OpenTransactionDiscount, 'open_transaction')} = "
        f"ot.{col(OpenTransaction, 'id')} "
        f"WHERE ot.{col(OpenTransaction, 'id')} IN ("
    )
    tail = f") ORDER BY ot.{col(OpenTransaction, 'id')}, di.{col(OpenTransactionDiscount, 'until')}"
    # Only the open transactions are locked, never their entity, customer or party. A backend
    # without row locks (SQLite) serializes whole write transactions instead.
    if lock and connection.features.has_select_for_update:
        tail += " FOR UPDATE OF ot"
        if nowait:
            tail += " NOWAIT"
    return head, tail


def open_transactions_select(
    ids: Sequence[int], *, lock: bool, nowait: bool = False
) -> dict[int, OpenTransaction]:
    """The open transactions ``ids`` in primary-key order with their entity, customer and party,
    each with its cash discount schedule as ``discount_schedule``, read with one statement.

    With ``lock`` the rows are locked in primary-key order, waiting for other holders unless
    ``nowait`` (then a held row raises ``OperationalError``, lock not available, at once)."""
    # A key no bigint can hold names no row; SQLite cannot even bind it (the ORM drops such
    # keys from its lookups the same way).
    ids = [pk for pk in ids if -BIGINT_LIMIT <= pk < BIGINT_LIMIT]
    if not ids:
        return {}
    ot, le, cu, pa, di = _columns()
    with db.cursor() as cursor:
        head, tail = _select_parts(lock, nowait)
        cursor.execute(f"{head}{', '.join(['%s'] * len(ids))}{tail}", list(ids))
        rows = cursor.fetchall()
    transactions: dict[int, OpenTransaction] = {}
    entities: dict[int, LegalEntity] = {}
    customers: dict[int, Customer] = {}
    parties: dict[int, Party] = {}
    at_le = ot.width
    at_cu = at_le + le.width
    at_pa = at_cu + cu.width
    at_di = at_pa + pa.width
    for row in rows:
        pk = row[0]
        open_transaction = transactions.get(pk)
        if open_transaction is None:
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
            open_transaction = transactions[pk] = ot.instance(row)
            open_transaction.legal_entity = entity
            open_transaction.customer = customer
            open_transaction.party = party
            open_transaction.discount_schedule = []
        if row[at_di] is not None:
            open_transaction.discount_schedule.append(tuple(di.values(row, at_di)))
    return transactions


@cache
def _update_head() -> tuple[str, str]:
    qn = connection.ops.quote_name
    key = OpenTransaction._meta.pk
    fields = [OpenTransaction._meta.get_field(name) for name in OPEN_AMOUNT_FIELDS]
    names = ", ".join(qn(f.column) for f in [key, *fields])
    head = f"WITH v ({names}) AS (VALUES "
    tail = (
        f") UPDATE {qn(OpenTransaction._meta.db_table)} "  # noqa: S608
        f"SET {', '.join(f'{qn(f.column)} = v.{qn(f.column)}' for f in fields)} "
        f"FROM v WHERE {qn(OpenTransaction._meta.db_table)}.{qn(key.column)} = v.{qn(key.column)}"
    )
    return head, tail


@cache
def _update_row() -> str:
    # PostgreSQL types a VALUES list from its values alone (a column of NULLs would be text),
    # so each value is cast to its column's type where the backend asks for it, as Django's
    # own bulk update does; SQLite has no types to give.
    fields = [OpenTransaction._meta.pk] + [
        OpenTransaction._meta.get_field(name) for name in OPEN_AMOUNT_FIELDS
    ]
    if not connection.features.requires_casted_case_in_updates:
        return "(" + ", ".join(["%s"] * len(fields)) + ")"
    return "(" + ", ".join(f"CAST(%s AS {f.cast_db_type(connection)})" for f in fields) + ")"


def open_amounts_update(transactions: Sequence[OpenTransaction]) -> None:
    """Write the open amounts and closing dates of ``transactions`` with one statement."""
    if not transactions:
        return
    head, tail = _update_head()
    per_statement = max(1, db.MAX_PARAMETERS // (1 + len(OPEN_AMOUNT_FIELDS)))
    with db.cursor() as cursor:
        for start in range(0, len(transactions), per_statement):
            chunk = transactions[start : start + per_statement]
            params: list = []
            for ot in chunk:
                params += _written(ot)
            cursor.execute(f"{head}{', '.join([_update_row()] * len(chunk))}{tail}", params)
