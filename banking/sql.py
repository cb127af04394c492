"""The plain SQL of the banking room, where the bench showed the ORM's cost (names from the
models): writing matching's outcomes for many lines at once; a filter on many values as one
array parameter; matching's reads planned without JIT compilation."""

import json
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from functools import cache

from django.db import connection
from django.db.models import F, Lookup, Q

from core import db

from .models import BankStatementLine


class _AnyOf(Lookup):
    """``lhs = ANY(%s)``, the values one array parameter."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]


def among(field: str, values: Collection) -> Q | Lookup:
    """A filter: ``field`` (a field or an annotation) is one of ``values``. On PostgreSQL one
    array parameter (``= ANY``, which is what PostgreSQL makes of an IN list): a short
    statement, however many the values, where an IN list of thousands costs the driver more
    to bind than the database to run; elsewhere an IN list."""
    if connection.vendor == "postgresql":
        return _AnyOf(F(field), list(values))
    return Q(**{f"{field}__in": list(values)})


@contextmanager
def jit_off() -> Iterator[None]:
    """PostgreSQL's JIT compilation off while matching reads its candidates, then as it was.

    PostgreSQL compiles a query whose estimated cost passes ``jit_above_cost``. The planner
    misjudges matching's reads (no statistics on the document number key, filters on hundreds
    of values) and compiled a chunk's read of debits for 30 ms to run it in 30: half of
    matching's time in the database. Within a transaction only for it; otherwise for the
    session, and set back."""
    if connection.vendor != "postgresql":
        yield
        return
    local = connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', %s)", [local])
        before = cursor.fetchone()[0]
    try:
        yield
    finally:
        if not local:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('jit', %s, false)", [before])


# The columns matching writes, in the order ``outcomes_update`` takes them.
OUTCOME_FIELDS = ("status", "proposals", "marked", "customer")
OUTCOME_CHUNK = 500  # lines per statement


def _fields() -> list:
    meta = BankStatementLine._meta
    return [meta.pk, *(meta.get_field(name) for name in OUTCOME_FIELDS)]


@cache
def _update_parts() -> tuple[str, str, str]:
    """(head, row, tail) of the statement writing the outcomes of many lines: ``WITH v AS
    (VALUES …) UPDATE … FROM v``, each value cast to its column's type where the backend
    wants it."""
    qn = connection.ops.quote_name
    fields = _fields()
    names = ", ".join(qn(f.column) for f in fields)
    if connection.features.requires_casted_case_in_updates:
        row = ", ".join(f"CAST(%s AS {f.cast_db_type(connection)})" for f in fields)
    else:
        row = ", ".join(["%s"] * len(fields))
    return f"WITH v ({names}) AS (VALUES ", f"({row})", ")" + _update_tail(fields)


@cache
def _update_json() -> str:
    """The statement writing the outcomes of many lines on PostgreSQL: ``UPDATE … FROM
    jsonb_to_recordset(…)``, the rows one JSON parameter (a short statement and one string to
    send, however many the lines; arrays of JSON texts would be escaped element by element)."""
    qn = connection.ops.quote_name
    # Without the type's parameters (varchar, not varchar(10)), as core.db.insert_rows.
    columns = ", ".join(f"{qn(f.column)} {f.db_type(connection).split('(')[0]}" for f in _fields())
    head = f"WITH v AS (SELECT * FROM jsonb_to_recordset(%s::jsonb) AS v({columns}))"  # noqa: S608
    return head + _update_tail(_fields())


def _update_tail(fields: list) -> str:
    qn = connection.ops.quote_name
    table, key = qn(BankStatementLine._meta.db_table), qn(fields[0].column)
    sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in fields[1:])
    return f" UPDATE {table} SET {sets} FROM v WHERE {table}.{key} = v.{key}"  # noqa: S608


def outcomes_update(rows: list[tuple]) -> None:
    """Write (line id, status, proposals, marked, customer id) rows with one statement per
    chunk of lines, not one model instance and CASE per field and line (``bulk_update``): on
    PostgreSQL the rows as one JSON document, elsewhere a VALUES list."""
    fields = _fields()
    with db.cursor() as cursor:
        for start in range(0, len(rows), OUTCOME_CHUNK):
            chunk = rows[start : start + OUTCOME_CHUNK]
            if connection.vendor == "postgresql":
                names = [f.column for f in fields]
                document = json.dumps([dict(zip(names, row, strict=True)) for row in chunk])
                cursor.execute(_update_json(), [document])
                continue
            head, row, tail = _update_parts()
            params = [
                f.get_db_prep_save(value, connection)
                for values in chunk
                for f, value in zip(fields, values, strict=True)
            ]
            cursor.execute(head + ", ".join([row] * len(chunk)) + tail, params)


@cache
def _line_columns() -> tuple[db.Columns, db.Columns]:
    from entities.models import Customer

    return db.Columns(BankStatementLine, "l"), db.Columns(Customer, "c")


def line_for_posting(pk: int, statement_id: int) -> BankStatementLine | None:
    """The line ``pk`` of the statement, locked (where the backend locks rows), with its
    customer: one plain statement per line posted rather than a query the ORM compiles."""
    line, customer = _line_columns()
    qn = connection.ops.quote_name
    meta = BankStatementLine._meta
    customer_fk = qn(meta.get_field("customer").column)
    sql = (
        f"SELECT {line.sql}, {customer.sql} FROM {qn(meta.db_table)} l "  # noqa: S608
        f"LEFT JOIN {qn(customer.model._meta.db_table)} c ON c.{qn('id')} = l.{customer_fk} "
        f"WHERE l.{qn(meta.pk.column)} = %s AND l.{qn(meta.get_field('statement').column)} = %s"
    )
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE OF l"
    with db.cursor() as cursor:
        cursor.execute(sql, [pk, statement_id])
        row = cursor.fetchone()
    if row is None:
        return None
    found = line.instance(row)
    if row[line.width] is not None:
        found.customer = customer.instance(row, line.width)
    return found


# What posting a line writes on it, in the order ``line_posted_update`` takes them.
POSTED_FIELDS = (
    "status",
    "error",
    "posted_at",
    "posted_by",
    "payment",
    "refund",
    "settlement",
    "voucher",
)


def line_posted_update(line: BankStatementLine) -> None:
    """Write ``POSTED_FIELDS`` of a posted line with one plain UPDATE."""
    meta = BankStatementLine._meta
    qn = connection.ops.quote_name
    fields = [meta.get_field(name) for name in POSTED_FIELDS]
    sets = ", ".join(f"{qn(f.column)} = %s" for f in fields)
    values = [f.get_db_prep_save(getattr(line, f.attname), connection) for f in fields]
    with db.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {qn(meta.pk.column)} = %s",  # noqa: S608
            [*values, line.pk],
        )


def collection_file_store(collection) -> None:
    """A collection run's pain.008 text with a plain statement whose parameter is bound on the
    server: Django's own cursor composes the whole statement on the client, the file's
    megabytes copied into it (about three times the file in memory)."""
    from .models import DirectDebitCollection

    meta = DirectDebitCollection._meta
    qn = connection.ops.quote_name
    with db.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(meta.db_table)} SET {qn(meta.get_field('file').column)} = %s "  # noqa: S608
            f"WHERE {qn(meta.pk.column)} = %s",
            [collection.file, collection.pk],
        )
