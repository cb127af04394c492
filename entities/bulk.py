"""Plain multi-row INSERTs for bulk jobs: no model instances, no per-field preparation.

For jobs that write tens of thousands of rows (recurring invoices, interest notes), building a
model instance per row costs more than the database's own work. Values are given as they are
stored (dates, Decimals, strings, ids; JSON already encoded). Database constraints and triggers
still check every row.
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model

ROWS_PER_STATEMENT = 1000


def rows_insert(
    model: type[Model],
    fields: Sequence[str],
    rows: Sequence[tuple],
    *,
    returning_pk: bool = False,
) -> list[int]:
    """Insert ``rows`` (tuples in the order of ``fields``) into ``model``'s table; the new
    primary keys in row order when ``returning_pk``."""
    assert connection.in_atomic_block, "bulk rows are written inside the job's transaction"
    if not rows:
        return []
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = f" RETURNING {connection.ops.quote_name(meta.pk.column)}" if returning_pk else ""
    keys: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            part = rows[start : start + ROWS_PER_STATEMENT]
            # Table and column names come from the model's meta, never from input.
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
                + ", ".join([placeholder] * len(part))
                + returning,
                [value for row in part for value in row],
            )
            if returning_pk:
                keys += [row[0] for row in cursor.fetchall()]
    return keys
