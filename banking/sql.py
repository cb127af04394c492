"""The plain SQL of the banking room, where the bench showed the ORM's cost (names from the
models): writing matching's outcomes for many lines at once."""

from functools import cache

from django.db import connection

from core import db

from .models import BankStatementLine

# The columns matching writes, in the order ``outcomes_update`` takes them.
OUTCOME_FIELDS = ("status", "proposals", "marked", "customer")
OUTCOME_CHUNK = 500


@cache
def _update_parts() -> tuple[str, str, str]:
    """(head, row, tail) of the statement writing the outcomes of many lines: ``WITH v AS
    (VALUES …) UPDATE … FROM v``, each value cast to its column's type where the backend
    wants it (PostgreSQL types a VALUES list from its values alone)."""
    meta = BankStatementLine._meta
    qn = connection.ops.quote_name
    fields = [meta.pk, *(meta.get_field(name) for name in OUTCOME_FIELDS)]
    names = ", ".join(qn(f.column) for f in fields)
    if connection.features.requires_casted_case_in_updates:
        row = ", ".join(f"CAST(%s AS {f.cast_db_type(connection)})" for f in fields)
    else:
        row = ", ".join(["%s"] * len(fields))
    table, key = qn(meta.db_table), qn(meta.pk.column)
    sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in fields[1:])
    tail = f") UPDATE {table} SET {sets} FROM v WHERE {table}.{key} = v.{key}"  # noqa: S608
    return f"WITH v ({names}) AS (VALUES ", f"({row})", tail


def outcomes_update(rows: list[tuple]) -> None:
    """Write (line id, status, proposals, marked, customer id) rows with one statement per
    chunk of lines, not one model instance and CASE per field and line (``bulk_update``)."""
    head, row, tail = _update_parts()
    meta = BankStatementLine._meta
    prepare = [meta.get_field(name).get_db_prep_save for name in OUTCOME_FIELDS]
    with db.cursor() as cursor:
        for start in range(0, len(rows), OUTCOME_CHUNK):
            chunk = rows[start : start + OUTCOME_CHUNK]
            params: list = []
            for pk, *values in chunk:
                params.append(pk)
                params += [p(v, connection) for p, v in zip(prepare, values, strict=True)]
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
